"""UploadEmoji: the emoji to the workspace (or the thread, or the local outbox).

A job delivers once: a retry or replay after delivery returns the recorded delivery.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from emoji_smith.dependencies import image_store, job_repository, slack_gateway
from emoji_smith.domain.errors import InvalidRequest
from emoji_smith.domain.models import Delivery, EmojiImages, EmojiRequest
from emoji_smith.observability import count
from emoji_smith.settings import get_settings

logger = Logger()


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    job_id: str = event["job_id"]
    request = EmojiRequest.model_validate(event["request"])
    emoji = EmojiImages.model_validate(event["emoji"])
    jobs = job_repository()
    record = jobs.get(job_id) or {}
    if record.get("delivery"):  # whatever the status says: a delivery is never undone
        logger.info("Already delivered; not delivering twice")
        return Delivery.model_validate(record["delivery"]).model_dump()

    choice = int((event.get("choice") or {}).get("index", 0))
    if not 0 <= choice < len(emoji.keys):
        raise InvalidRequest(f"Option {choice + 1} does not exist; there are {len(emoji.keys)}.")
    key = emoji.keys[choice]
    store = image_store()
    filename = f"{request.name}.{key.rsplit('.', 1)[-1]}"
    delivery = slack_gateway().deliver_emoji(
        job_id,
        request,
        store.get(key),
        filename,
        store.share_url(key, get_settings().share_url_seconds),
    )
    jobs.record_delivery(job_id, delivery)
    count("EmojiDelivered", "method", delivery.method)
    return delivery.model_dump()
