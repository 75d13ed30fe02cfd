"""RecordOutcome: a job that ended as the rules or the member decided (caught in the ASL)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from emoji_smith.application.events import RecordOutcomeEvent, parse_event
from emoji_smith.application.outcomes import record_outcome
from emoji_smith.bootstrap import ports
from emoji_smith.observability import count

logger = Logger()


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    step, wired = parse_event(RecordOutcomeEvent, event), ports()
    failure = record_outcome(
        wired.job_repository(),
        step.job_id,
        step.request,
        step.error.Error,
        step.error.Cause,
        ledger=wired.usage_ledger(),
    )
    logger.info("Job ended", extra={"outcome": failure.error, "cause": failure.cause})
    count("EmojiOutcome", "outcome", failure.error)
    return failure.model_dump()
