"""How a job that did not end in a delivery is recorded and told to the member.

Two ways in, one set of rules: an *outcome* (caught in the ASL: an invalid request, a refused
prompt, a cancelled or expired choice) is recorded by the workflow itself, which then succeeds;
a *failure* fails the execution at its Task and reaches `record_failed_execution` through the
"Execution Status Change" event, so that a redrive resumes at that Task.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from emoji_smith.application.spending import give_back
from emoji_smith.domain.circuit import IMAGE_SERVICE, CircuitPolicy, CircuitState
from emoji_smith.domain.errors import (
    DeliveryInProgress,
    EmojiSmithError,
    GenerationInProgress,
    InvalidRequest,
)
from emoji_smith.domain.failures import describe_failure, is_retryable
from emoji_smith.domain.messages import failure_message
from emoji_smith.domain.models import EmojiRequest, StepFailure
from emoji_smith.domain.validation import parse_request
from emoji_smith.ports import CircuitStore, JobRepository, SlackGateway, UsageLedger

#: Errors that count toward the image service's circuit once GenerateImage gives up on them.
SERVICE_FAILURES = frozenset({"ImageServiceUnavailable", "RateLimited"})
#: A status with no error of its own still gets a name the retry rules know.
STATUS_ERRORS = {"TIMED_OUT": "States.Timeout", "ABORTED": "ExecutionAborted"}
#: Why a failed run is a duplicate, neither recorded nor told (`lost_to_another_run`).
LOST_TO_ANOTHER_RUN = (
    "a duplicate: another run of the job made its images or delivered it, or is doing so"
)


def request_or_none(raw: object) -> EmojiRequest | None:
    """The request, or None when the failure is that very request (still recorded)."""
    try:
        return parse_request(raw)
    except InvalidRequest:
        return None


def record_outcome(
    jobs: JobRepository,
    job_id: str,
    raw_request: object,
    error: str,
    cause: str | None,
    *,
    ledger: UsageLedger | None = None,
) -> StepFailure:
    """Record how the job ended; it is over, so an unbilled reservation is given back."""
    failure = describe_failure(error, cause)
    jobs.record_failure(job_id, request_or_none(raw_request), failure.error, failure.cause)
    if ledger is not None:
        give_back(job_id, jobs, ledger)
    return failure


def notify_outcome(
    slack: SlackGateway, job_id: str, raw_request: object, failure: StepFailure
) -> bool:
    request = request_or_none(raw_request)
    if request is None:
        return False
    slack.notify(job_id, request, failure_message(failure, request.name))
    return True


@dataclass(frozen=True)
class FailedExecution:
    """The part of Step Functions' "Execution Status Change" event detail we use."""

    execution_arn: str
    status: str
    job_id: str
    request: object
    error: str
    cause: str | None

    @classmethod
    def from_event(cls, event: dict[str, Any]) -> FailedExecution:
        detail = event["detail"]
        status = str(detail["status"])
        try:
            execution_input = json.loads(detail.get("input") or "{}")
        except ValueError:
            execution_input = {}
        if not isinstance(execution_input, dict):
            execution_input = {}
        return cls(
            execution_arn=str(detail["executionArn"]),
            status=status,
            job_id=str(execution_input.get("job_id") or detail.get("name") or "unknown"),
            request=execution_input.get("request"),
            error=str(detail.get("error") or STATUS_ERRORS.get(status, "")),
            cause=detail.get("cause"),
        )


def record_failed_execution(
    execution: FailedExecution,
    *,
    jobs: JobRepository,
    circuit: CircuitStore,
    slack: Callable[[], SlackGateway],
    policy: CircuitPolicy,
    now: float,
    ledger: UsageLedger | None = None,
) -> tuple[StepFailure, CircuitState | None, str]:
    """Record, count toward the circuit, then tell the member. Telling is last and never raises:
    a retried event would count the circuit failure twice, and the job is already recorded (the
    schedule's redrive tells the member how it ends). Returns why the member was not told ("" if
    they were); `LOST_TO_ANOTHER_RUN` for a duplicate, of which nothing is recorded."""
    if lost_to_another_run(execution, jobs, now):
        return describe_failure(execution.error, execution.cause), None, LOST_TO_ANOTHER_RUN
    failure = record_outcome(
        jobs, execution.job_id, execution.request, execution.error, execution.cause
    )
    if ledger is not None and not is_retryable(failure.error):
        give_back(execution.job_id, jobs, ledger)  # a retry would need it: kept until then
    state = None
    if failure.error in SERVICE_FAILURES:
        state = circuit.load(IMAGE_SERVICE).after_failure(now, policy)
        circuit.save(IMAGE_SERVICE, state)
    try:
        told = notify_outcome(slack(), execution.job_id, execution.request, failure)
    except EmojiSmithError as error:
        return failure, state, f"{type(error).__name__}: {error}"
    return failure, state, "" if told else "the request itself is malformed"


def lost_to_another_run(execution: FailedExecution, jobs: JobRepository, now: float) -> bool:
    """A run that ran out of retries on another run's claim (the images', the delivery's)
    while that run did the work, or still holds the claim (locally, retries do not wait): that
    run tells the member how the job ends, "ready" or its own failure. A claim given back (the
    work failed) or lapsed (its holder died) leaves this failure to be told and retried like
    any other."""
    if execution.error not in (DeliveryInProgress.__name__, GenerationInProgress.__name__):
        return False
    record = jobs.get(execution.job_id)
    if record is None:
        return False
    if record.delivery is not None:
        return True
    if execution.error == DeliveryInProgress.__name__:
        return (record.delivery_claim_until or 0) >= now
    # Images billed or kept with the job: the generation is done (its claim may have lapsed).
    done = record.images_billed > 0 or bool(record.original_keys)
    return done or (record.generation_claim_until or 0) >= now
