"""RecordFailure: the job is marked FAILED with the error name and the cause in words."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from emoji_smith.dependencies import job_repository
from emoji_smith.domain.errors import InvalidRequest
from emoji_smith.domain.failures import describe_failure
from emoji_smith.domain.validation import parse_request
from emoji_smith.observability import count

logger = Logger()


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    error = event.get("error") or {}
    failure = describe_failure(str(error.get("Error", "")), error.get("Cause"))
    try:
        request = parse_request(event.get("request"))
    except InvalidRequest:
        request = None  # the failure may be that very request; the record still gets written
    job_repository().record_failure(event["job_id"], request, failure.error, failure.cause)
    logger.warning("Job failed", extra={"error": failure.error, "cause": failure.cause})
    count("EmojiFailed", "error", failure.error)
    return failure.model_dump()
