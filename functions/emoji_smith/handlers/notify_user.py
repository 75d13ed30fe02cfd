"""NotifyUser: tell the member where their emoji is, once per job (runs of a job may overlap)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from emoji_smith.application.events import NotifyUserEvent, parse_event
from emoji_smith.application.steps import tell_delivered
from emoji_smith.bootstrap import ports

logger = Logger()


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    step = parse_event(NotifyUserEvent, event)
    tell_delivered(
        step,
        ports(step.request.team_id, step.request.enterprise_id).slack_gateway(),
        ports().job_repository(),
        ports().workspace_settings(step.request.team_id).announcement_channel,
    )
    return {"notified": True}
