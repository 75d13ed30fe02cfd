"""RecordFailedExecution: the target of the EventBridge rule on the pipeline's "Execution Status
Change" events (FAILED, TIMED_OUT, ABORTED). The run stays failed at the Task that failed, so a
redrive resumes the work there; this records the failure, counts image-service failures toward
the circuit, and tells the member (retryable errors: "we will retry automatically"). A run that
lost the job's images or delivery to another run is a duplicate: counted (DuplicateRun), nothing
else."""

from __future__ import annotations

import time
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from emoji_smith.application.outcomes import (
    LOST_TO_ANOTHER_RUN,
    FailedExecution,
    record_failed_execution,
)
from emoji_smith.bootstrap import ports, ports_for
from emoji_smith.domain.circuit import CircuitPolicy
from emoji_smith.observability import count, metric
from emoji_smith.settings import get_settings

logger = Logger()


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    execution = FailedExecution.from_event(event)
    settings = get_settings()
    now = time.time()
    failure, circuit, not_told = record_failed_execution(
        execution,
        jobs=ports().job_repository(),
        circuit=ports().circuit_store(),
        slack=ports_for(execution.request).slack_gateway,
        policy=CircuitPolicy(
            threshold=max(1, settings.circuit_failure_threshold),
            window_seconds=settings.circuit_window_seconds,
            cooldown_seconds=settings.circuit_cooldown_seconds,
        ),
        now=now,
        ledger=ports().usage_ledger(),
    )
    if not_told == LOST_TO_ANOTHER_RUN:
        logger.info("A duplicate run ended", extra={"execution": execution.execution_arn})
        count("DuplicateRun", "error", failure.error)
        return {"job_id": execution.job_id, "duplicate": True, **failure.model_dump()}
    logger.warning(
        "Job failed",
        extra={
            "execution": execution.execution_arn,
            "error": failure.error,
            "cause": failure.cause,
        },
    )
    count("EmojiFailed", "error", failure.error)
    if not_told:
        logger.error("The member was not told of the failure", extra={"reason": not_told})
    if circuit is not None:
        metric("ImageServiceFailure", 1)
        if circuit.is_open(now):
            logger.warning("Image service circuit opened", extra={"open_until": circuit.open_until})
            metric("CircuitOpened", 1)
    return {"job_id": execution.job_id, **failure.model_dump()}
