"""NotifyUser: tell the member the emoji is ready, and where."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from emoji_smith.dependencies import slack_gateway
from emoji_smith.domain.messages import success_message
from emoji_smith.domain.models import Delivery, EmojiRequest

logger = Logger()


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    request = EmojiRequest.model_validate(event["request"])
    text = success_message(Delivery.model_validate(event["delivery"]))
    slack_gateway().notify(event["job_id"], request, text)
    return {"notified": True}
