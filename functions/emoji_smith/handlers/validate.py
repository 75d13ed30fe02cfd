"""Validate: the request against the product rules; the job recorded as RUNNING and the
member told it has started. A replay of a delivered job records and tells nothing."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from emoji_smith.application.events import ValidateEvent, parse_event
from emoji_smith.application.spending import Spending
from emoji_smith.application.steps import validate
from emoji_smith.bootstrap import ports, ports_for
from emoji_smith.observability import metric
from emoji_smith.settings import get_settings

logger = Logger()


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    metric("EmojiRequested", 1)
    step = parse_event(ValidateEvent, event)
    asked = step.request if isinstance(step.request, dict) else {}  # Validate refuses the rest
    workspace = ports().workspace_settings(str(asked.get("team_id") or ""))
    spending = Spending(
        ports().usage_ledger(),
        workspace.limits,
        get_settings().image_model,
        workspace.image_quality,
        datetime.now(UTC),
    )
    validated = validate(
        step,
        ports().job_repository(),
        ports_for(asked).slack_gateway(),
        images_configured=ports().image_service_configured(),
        spending=spending,
        styles_offered=workspace.styles,
    )
    if validated.replay:
        logger.info("Already delivered: a replay; the member is not told again")
    if validated.progress_problem:
        logger.warning("Could not post progress", extra={"error": validated.progress_problem})
    return validated.request.model_dump()
