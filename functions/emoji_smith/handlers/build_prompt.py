"""BuildPrompt: description + style preset + the source message → the image prompt.

With an image service configured, a text model first rewrites the description into a better
subject; any failure there falls back to the template prompt (it never fails the job).
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from emoji_smith.dependencies import prompt_enhancer
from emoji_smith.domain.models import EmojiRequest
from emoji_smith.domain.prompts import build_prompt
from emoji_smith.domain.styles import PRESETS

logger = Logger()


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    request = EmojiRequest.model_validate(event["request"])
    enhanced: str | None = None
    enhancer = prompt_enhancer() if PRESETS[request.style].needs_image_service else None
    if enhancer is not None:
        try:
            enhanced = enhancer.enhance(
                request.description or request.message_text, request.message_text
            )
        except Exception:  # best effort by design: never fails the job
            logger.warning("Prompt enhancement failed; using the template prompt", exc_info=True)
    return build_prompt(request, enhanced).model_dump()
