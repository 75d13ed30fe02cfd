"""Validate: the member's request against the product rules, and the job record opened."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from emoji_smith.dependencies import job_repository, slack_gateway
from emoji_smith.domain.errors import EmojiSmithError
from emoji_smith.domain.messages import working_message
from emoji_smith.domain.models import JobStatus
from emoji_smith.domain.validation import parse_request, validate_request
from emoji_smith.observability import metric
from emoji_smith.settings import image_service_configured

logger = Logger()


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    metric("EmojiRequested", 1)
    request = validate_request(parse_request(event.get("request")), image_service_configured())
    job_id: str = event["job_id"]
    jobs = job_repository()
    if (jobs.get(job_id) or {}).get("delivery"):
        logger.info("Already delivered: a replay; the member is not told again")
        return request.model_dump()
    jobs.record_progress(job_id, request, JobStatus.RUNNING, "Validate")
    try:
        slack_gateway().notify(job_id, request, working_message(request.name))
    except EmojiSmithError as error:  # progress is best effort; the result message is not
        logger.warning("Could not post progress", extra={"error": type(error).__name__})
    return request.model_dump()
