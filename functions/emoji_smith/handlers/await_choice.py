"""AwaitChoice (waitForTaskToken): show the candidates; the member's click resumes the run."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from emoji_smith.application.events import AwaitChoiceEvent, parse_event
from emoji_smith.application.steps import offer_choices
from emoji_smith.dependencies import image_store, job_repository, slack_gateway

logger = Logger()


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    step = parse_event(AwaitChoiceEvent, event)
    return {"offered": offer_choices(step, image_store(), job_repository(), slack_gateway())}
