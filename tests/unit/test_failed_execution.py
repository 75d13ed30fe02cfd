"""Recording a failed run from its "Execution Status Change" event, with in-memory ports."""

from __future__ import annotations

import json
from typing import Any

from emoji_smith.application.outcomes import FailedExecution, record_failed_execution
from emoji_smith.domain.circuit import IMAGE_SERVICE, CircuitPolicy, CircuitState
from emoji_smith.domain.errors import ConfigurationError
from emoji_smith.ports import SlackGateway
from fakes.in_memory import InMemoryCircuit, InMemoryJobs, RecordingSlack

POLICY = CircuitPolicy(threshold=2, window_seconds=300, cooldown_seconds=600)


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
    jobs, circuit, slack = InMemoryJobs(), InMemoryCircuit(), RecordingSlack()
    # WHEN its status-change event is handled
    failure, state, not_told = record_failed_execution(
        FailedExecution.from_event(event()),
        jobs=jobs,
        circuit=circuit,
        slack=lambda: slack,
        policy=POLICY,
        now=1000.0,
    )
    # THEN the job is FAILED with the error, one failure counts, the member hears of the retry
    recorded = jobs.get("job-1")
    assert recorded is not None
    assert (recorded.status, recorded.error, recorded.cause) == (
        "FAILED",
        "ImageServiceUnavailable",
        "image service answered 503",
    )
    assert state == circuit.states[IMAGE_SERVICE] == CircuitState(failures=(1000.0,))
    assert not_told == ""
    assert "retry automatically" in slack.notes[0][1]
    assert failure.error == "ImageServiceUnavailable"


def test_a_member_who_cannot_be_told_still_leaves_the_failure_recorded_and_counted() -> None:
    # GIVEN no way to reach Slack (the bot token is missing in AWS)
    jobs, circuit = InMemoryJobs(), InMemoryCircuit()

    def no_slack() -> SlackGateway:
        raise ConfigurationError("SLACK_BOT_TOKEN is not set")

    # WHEN the failure is handled
    _, _, not_told = record_failed_execution(
        FailedExecution.from_event(event()),
        jobs=jobs,
        circuit=circuit,
        slack=no_slack,
        policy=POLICY,
        now=1000.0,
    )
    # THEN it is recorded and counted once, and the reason the member was not told is returned
    # (no exception: a retried event would count the circuit failure twice)
    assert list(jobs.records) == ["job-1"]
    assert circuit.states[IMAGE_SERVICE].failures == (1000.0,)
    assert not_told == "ConfigurationError: SLACK_BOT_TOKEN is not set"


def test_a_timed_out_or_aborted_run_gets_an_error_name_the_retry_rules_know() -> None:
    assert FailedExecution.from_event(event("TIMED_OUT", None)).error == "States.Timeout"
    assert FailedExecution.from_event(event("ABORTED", None)).error == "ExecutionAborted"
