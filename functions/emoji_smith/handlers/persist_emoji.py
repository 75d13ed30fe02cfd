"""PersistEmoji: the prompt and image keys recorded on the job (status READY)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from emoji_smith.application.events import PersistEmojiEvent, parse_event
from emoji_smith.application.steps import persist
from emoji_smith.bootstrap import ports

logger = Logger()


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return persist(parse_event(PersistEmojiEvent, event), ports().job_repository())
