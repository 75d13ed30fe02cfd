"""ResizeImage: each original → a 128×128 emoji Slack accepts (PNG, or GIF when animated)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from emoji_smith.application.events import ResizeImageEvent, parse_event
from emoji_smith.application.image_steps import resize_images
from emoji_smith.bootstrap import ports

logger = Logger()


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return resize_images(parse_event(ResizeImageEvent, event), ports().image_store()).model_dump()
