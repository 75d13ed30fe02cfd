"""NotifyFailure: tell the member why it failed and whether it will be retried."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from emoji_smith.dependencies import slack_gateway
from emoji_smith.domain.errors import InvalidRequest
from emoji_smith.domain.messages import failure_message
from emoji_smith.domain.models import StepFailure
from emoji_smith.domain.validation import parse_request

logger = Logger()


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    failure = StepFailure.model_validate(event["failure"])
    try:
        request = parse_request(event.get("request"))
    except InvalidRequest:
        logger.warning("Cannot tell the member: the request itself is malformed")
        return {"notified": False}
    slack_gateway().notify(event["job_id"], request, failure_message(failure, request.name))
    return {"notified": True}
