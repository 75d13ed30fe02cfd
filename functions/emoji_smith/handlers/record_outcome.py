"""RecordOutcome: the job ended without a delivery, as the rules or the member decided (an
invalid request, a refused prompt, a cancelled or expired choice). Recorded with its name and
cause in words; the execution then succeeds."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from emoji_smith.application.outcomes import record_outcome
from emoji_smith.dependencies import job_repository
from emoji_smith.observability import count

logger = Logger()


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    error = event.get("error") or {}
    failure = record_outcome(
        job_repository(),
        event["job_id"],
        event.get("request"),
        str(error.get("Error", "")),
        error.get("Cause"),
    )
    logger.info("Job ended", extra={"outcome": failure.error, "cause": failure.cause})
    count("EmojiOutcome", "outcome", failure.error)
    return failure.model_dump()
