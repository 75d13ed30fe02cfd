"""UploadEmoji: the chosen emoji to Slack (added to the workspace where allowed, else shared in
the thread), once per job: a replay answers with the recorded delivery."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from emoji_smith.application.events import UploadEmojiEvent, parse_event
from emoji_smith.application.steps import upload
from emoji_smith.bootstrap import ports
from emoji_smith.observability import count
from emoji_smith.settings import get_settings

logger = Logger()


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    step = parse_event(UploadEmojiEvent, event)
    uploaded = upload(
        step,
        ports().job_repository(),
        ports().image_store(),
        ports(step.request.team_id, step.request.enterprise_id).slack_gateway(),
        share_url_seconds=get_settings().share_url_seconds,
    )
    if uploaded.again:
        logger.info("Already delivered; not delivering twice")
    else:
        count("EmojiDelivered", "method", uploaded.delivery.method)
    return uploaded.delivery.model_dump()
