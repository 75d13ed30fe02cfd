"""NotifyOutcome: tell the member how the job ended and what to do next."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from emoji_smith.application.outcomes import notify_outcome
from emoji_smith.dependencies import slack_gateway
from emoji_smith.domain.models import StepFailure

logger = Logger()


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    failure = StepFailure.model_validate(event["failure"])
    notified = notify_outcome(slack_gateway(), event["job_id"], event.get("request"), failure)
    if not notified:
        logger.warning("Cannot tell the member: the request itself is malformed")
    return {"notified": notified}
