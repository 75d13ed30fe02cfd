"""Recording a failed run from its "Execution Status Change" event, with in-memory ports."""

from __future__ import annotations

import json
from typing import Any, cast

from emoji_smith.application.outcomes import FailedExecution, record_failed_execution
from emoji_smith.domain.circuit import IMAGE_SERVICE, CircuitPolicy, CircuitState
from emoji_smith.domain.errors import ConfigurationError
from emoji_smith.domain.models import EmojiRequest
from emoji_smith.ports import CircuitStore, JobRepository, SlackGateway

POLICY = CircuitPolicy(threshold=2, window_seconds=300, cooldown_seconds=600)


class Jobs:  # the part of JobRepository this use case calls
    def __init__(self) -> None:
        self.failures: list[tuple[str, str, str]] = []

    def record_failure(
        self, job_id: str, request: EmojiRequest | None, error: str, cause: str
    ) -> None:
        self.failures.append((job_id, error, cause))


class Circuit:
    def __init__(self) -> None:
        self.states: dict[str, CircuitState] = {}

    def load(self, circuit: str) -> CircuitState:
        return self.states.get(circuit, CircuitState())

    def save(self, circuit: str, state: CircuitState) -> None:
        self.states[circuit] = state


class Slack:
    def __init__(self) -> None:
        self.told: list[tuple[str, str]] = []

    def notify(self, job_id: str, request: EmojiRequest, text: str) -> None:
        self.told.append((job_id, text))


def event(status: str = "FAILED", error: str | None = "ImageServiceUnavailable") -> dict[str, Any]:
    execution_input = {"job_id": "job-1", "request": {"description": "cat", "name": "cat"}}
    return {
        "detail-type": "Step Functions Execution Status Change",
        "source": "aws.states",
        "detail": {
            "executionArn": "arn:aws:states:us-east-1:1:execution:m:job-1",
            "name": "job-1",
            "status": status,
            "input": json.dumps(execution_input),
            "error": error,
            "cause": "image service answered 503" if error else None,
        },
    }


def test_a_service_failure_is_recorded_counted_and_told() -> None:
    # GIVEN a run that failed at GenerateImage on an outage
    jobs, circuit, slack = Jobs(), Circuit(), Slack()
    # WHEN its status-change event is handled
    failure, state, not_told = record_failed_execution(
        FailedExecution.from_event(event()),
        jobs=cast(JobRepository, jobs),
        circuit=cast(CircuitStore, circuit),
        slack=lambda: cast(SlackGateway, slack),
        policy=POLICY,
        now=1000.0,
    )
    # THEN the job is FAILED with the error, one failure counts, the member hears of the retry
    assert jobs.failures == [("job-1", "ImageServiceUnavailable", "image service answered 503")]
    assert state == circuit.states[IMAGE_SERVICE] == CircuitState(failures=(1000.0,))
    assert not_told == ""
    assert "retry automatically" in slack.told[0][1]
    assert failure.error == "ImageServiceUnavailable"


def test_a_member_who_cannot_be_told_still_leaves_the_failure_recorded_and_counted() -> None:
    # GIVEN no way to reach Slack (the bot token is missing in AWS)
    jobs, circuit = Jobs(), Circuit()

    def no_slack() -> SlackGateway:
        raise ConfigurationError("SLACK_BOT_TOKEN is not set")

    # WHEN the failure is handled
    _, _, not_told = record_failed_execution(
        FailedExecution.from_event(event()),
        jobs=cast(JobRepository, jobs),
        circuit=cast(CircuitStore, circuit),
        slack=no_slack,
        policy=POLICY,
        now=1000.0,
    )
    # THEN it is recorded and counted once, and the reason the member was not told is returned
    # (no exception: a retried event would count the circuit failure twice)
    assert len(jobs.failures) == 1
    assert circuit.states[IMAGE_SERVICE].failures == (1000.0,)
    assert not_told == "ConfigurationError: SLACK_BOT_TOKEN is not set"


def test_a_timed_out_or_aborted_run_gets_an_error_name_the_retry_rules_know() -> None:
    assert FailedExecution.from_event(event("TIMED_OUT", None)).error == "States.Timeout"
    assert FailedExecution.from_event(event("ABORTED", None)).error == "ExecutionAborted"
