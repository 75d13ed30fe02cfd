"""NotifyOutcome: tell the member how their job ended, in words they can act on."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from emoji_smith.application.events import NotifyOutcomeEvent, parse_event
from emoji_smith.application.outcomes import notify_outcome
from emoji_smith.bootstrap import ports_for

logger = Logger()


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    step = parse_event(NotifyOutcomeEvent, event)
    notified = notify_outcome(
        ports_for(step.request).slack_gateway(), step.job_id, step.request, step.failure
    )
    if not notified:
        logger.warning("Cannot tell the member: the request itself is malformed")
    return {"notified": notified}
