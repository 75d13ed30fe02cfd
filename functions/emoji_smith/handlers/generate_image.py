"""GenerateImage: the prompt → original images in S3 (keys passed on, never the bytes).

Idempotent per job: a retry or a redrive reuses images already stored — no second bill.
"""

from __future__ import annotations

import time
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from emoji_smith.dependencies import image_generator, image_store
from emoji_smith.domain.image_keys import original_key
from emoji_smith.domain.models import EmojiRequest, GeneratedImages, ImagePrompt
from emoji_smith.observability import metric

logger = Logger()


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    job_id: str = event["job_id"]
    request = EmojiRequest.model_validate(event["request"])
    prompt = ImagePrompt.model_validate(event["prompt"])
    store = image_store()
    keys = [original_key(job_id, index) for index in range(request.options)]
    generator = image_generator(prompt.style)
    if all(store.exists(key) for key in keys):
        logger.info("Reusing stored images", extra={"keys": keys})
        metric("ImagesReused", len(keys))
    else:
        started = time.perf_counter()
        images = generator.generate(prompt, request.options)
        metric("GenerationSeconds", time.perf_counter() - started, "Seconds")
        for key, image in zip(keys, images, strict=True):
            store.put(key, image, "application/octet-stream")
    return GeneratedImages(original_keys=keys, generator=generator.name).model_dump()
