"""BuildPrompt: description + style preset + the source message → the image prompt."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from emoji_smith.domain.models import EmojiRequest
from emoji_smith.domain.prompts import build_prompt

logger = Logger()


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return build_prompt(EmojiRequest.model_validate(event["request"])).model_dump()
