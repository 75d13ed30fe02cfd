"""AnimateEmoji: each finished emoji → a looping GIF of the member's effect (skipped by the ASL
when no effect was asked for)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from emoji_smith.application.events import AnimateEmojiEvent, parse_event
from emoji_smith.application.image_steps import animate_emoji
from emoji_smith.bootstrap import ports

logger = Logger()


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return animate_emoji(parse_event(AnimateEmojiEvent, event), ports().image_store()).model_dump()
