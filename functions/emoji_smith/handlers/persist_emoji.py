"""PersistEmoji: the job record gets the prompt and the image keys; the job is READY."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from emoji_smith.dependencies import job_repository
from emoji_smith.domain.models import EmojiImages, GeneratedImages, ImagePrompt

logger = Logger()


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    prompt = ImagePrompt.model_validate(event["prompt"])
    generated = GeneratedImages.model_validate(event["generated"])
    emoji = EmojiImages.model_validate(event["emoji"])
    job_repository().record_images(
        event["job_id"], prompt.text, generated.original_keys, emoji.keys
    )
    return {"status": "READY", "emoji_key": emoji.keys[0]}
