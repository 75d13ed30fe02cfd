"""AwaitChoice (waitForTaskToken): show the candidates; the member's click resumes the run."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from emoji_smith.application.events import AwaitChoiceEvent, parse_event
from emoji_smith.application.steps import offer_choices
from emoji_smith.bootstrap import ports

logger = Logger()


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    step = parse_event(AwaitChoiceEvent, event)
    return {
        "offered": offer_choices(
            step,
            ports().image_store(),
            ports().job_repository(),
            ports(step.request.team_id, step.request.enterprise_id).slack_gateway(),
        )
    }
