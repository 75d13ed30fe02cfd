"""GenerateImage: the prompt → original images in S3 (keys passed on, never the bytes).

Idempotent per job: a retry or a redrive reuses images already stored — no second bill.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from emoji_smith.application.events import GenerateImageEvent, parse_event
from emoji_smith.application.image_steps import generate_images
from emoji_smith.application.spending import priced_quality
from emoji_smith.bootstrap import ports
from emoji_smith.domain.costs import bill_for
from emoji_smith.domain.styles import PRESETS
from emoji_smith.observability import metric
from emoji_smith.settings import get_settings

logger = Logger()


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    step = parse_event(GenerateImageEvent, event)
    model, quality = get_settings().image_model, _quality(step)

    def billed(images: int, size: str) -> None:
        bill = bill_for(model, quality, images, size)
        ports().job_repository().record_bill(step.job_id, bill)
        workspace = ("workspace", step.request.team_id)
        metric("ImagesBilled", images, dimension=workspace)
        metric("EstimatedCostUsd", bill.dollars, "None", dimension=workspace)

    generated = generate_images(
        step,
        ports().image_store(),
        ports().image_generator(step.prompt.style, quality),
        ports().job_repository(),
        pictures=ports(step.request.team_id, step.request.enterprise_id).picture_source,
        billed=billed,
    )
    if generated.reused:
        logger.info("Reusing stored images", extra={"keys": generated.images.original_keys})
        metric("ImagesReused", len(generated.images.original_keys))
    else:
        metric("GenerationSeconds", generated.seconds, "Seconds")
    return generated.images.model_dump()


def _quality(step: GenerateImageEvent) -> str:
    """The quality the job was priced at when it was validated; else the workspace's now."""
    if not PRESETS[step.prompt.style].needs_image_service:
        return "low"  # offline: no image service, nothing billed
    pinned = priced_quality(ports().job_repository().get(step.job_id))
    return pinned or ports().workspace_settings(step.request.team_id).image_quality
