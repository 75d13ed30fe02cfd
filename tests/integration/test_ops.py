"""Operator commands on the embedded stack: failed, retry (dry run and real), replay, circuit."""

from __future__ import annotations

import json
import threading
import time

import pytest

from emoji_smith.adapters.dynamodb_circuit_store import DynamoDBCircuitStore
from emoji_smith.domain.circuit import IMAGE_SERVICE, CircuitState
from emoji_smith_local.ops import NoSuchJob, Operations, StackNames
from emoji_smith_local.runtime import LocalAWS


def operations(aws: LocalAWS) -> Operations:
    return Operations(StackNames.from_physical_ids(aws.physical_ids))


def test_failed_lists_error_names_and_causes_but_not_outcomes(local_aws: LocalAWS) -> None:
    # GIVEN a run that broke (an AI style without a key) and one that ended as an outcome
    local_aws.wait(local_aws.start({"description": "cat", "style": "cartoon"}, "ops-bad"))
    local_aws.wait(local_aws.start({"description": "cat", "name": "Bad Name!"}, "ops-outcome"))
    # WHEN the operator lists failed jobs
    with local_aws.function_environment("RetryFailedJobsFunction"):
        failed = {f["execution"]: f for f in operations(local_aws).failed()}
    # THEN the broken one is there, named, with its cause; the outcome is not a failure
    assert failed["ops-bad"]["error"] == "ConfigurationError"
    assert "OPENAI_API_KEY" in failed["ops-bad"]["cause"]
    assert failed["ops-bad"]["retryable"] is False
    assert "ops-outcome" not in failed


def test_retry_skips_what_is_never_retried_and_dry_run_changes_nothing(
    local_aws: LocalAWS,
) -> None:
    local_aws.wait(local_aws.start({"description": "cat", "style": "cartoon"}, "ops-skip"))
    before = len(local_aws.executions())
    with local_aws.function_environment("RetryFailedJobsFunction"):
        report = operations(local_aws).retry(dry_run=True)
    skipped = report["skipped"]["ops-skip"]  # type: ignore[index]
    assert skipped == "ConfigurationError is never retried"
    assert len(local_aws.executions()) == before


def test_replay_of_a_delivered_job_answers_with_the_delivery_and_runs_nothing(
    local_aws: LocalAWS,
) -> None:
    # GIVEN a delivered job
    first = local_aws.wait(local_aws.start({"description": "replay me"}, "ops-replay"))
    assert first["status"] == "SUCCEEDED"
    before = len(local_aws.executions())
    # WHEN the operator replays it
    with local_aws.function_environment("RetryFailedJobsFunction"):
        answer = operations(local_aws).replay("ops-replay")
    # THEN nothing runs again, and the answer says where the emoji went
    assert answer["replayed"] == "nothing"
    assert answer["already_delivered"].startswith("outbox: ")
    assert len(local_aws.executions()) == before


def test_replay_of_a_failed_job_starts_a_new_execution_of_the_same_job(
    local_aws: LocalAWS,
) -> None:
    failed = local_aws.wait(local_aws.start({"description": "x", "style": "cartoon"}, "ops-rf"))
    assert failed["status"] == "FAILED"
    with local_aws.function_environment("RetryFailedJobsFunction"):
        answer = operations(local_aws).replay("ops-rf")
    replay = local_aws.wait(local_aws.execution_arn(answer["as"]))
    assert json.loads(replay["input"]) == json.loads(failed["input"])
    assert replay["error"] == "ConfigurationError"  # same input, same missing key


def test_circuit_shows_and_resets(local_aws: LocalAWS) -> None:
    store = DynamoDBCircuitStore(local_aws.physical_ids["CircuitTable"])
    store.save(IMAGE_SERVICE, CircuitState(open_until=time.time() + 600))
    with local_aws.function_environment("RetryFailedJobsFunction"):
        shown = operations(local_aws).circuit()
        reset = operations(local_aws).circuit(reset=True)
    assert shown["open"] is True
    assert "new jobs wait until" in shown["cause"]
    assert reset["open"] is False
    assert store.load(IMAGE_SERVICE) == CircuitState()


def test_replay_of_a_job_the_stack_does_not_know_says_so(local_aws: LocalAWS) -> None:
    # WHEN the operator replays a job (or an execution ARN) that never ran
    # THEN the answer is "no such job", not a crash
    with local_aws.function_environment("RetryFailedJobsFunction"):
        with pytest.raises(NoSuchJob, match="no such job: never-ran"):
            operations(local_aws).replay("never-ran")
        with pytest.raises(NoSuchJob, match="no such job"):
            operations(local_aws).replay(local_aws.execution_arn("never-ran-either"))


def test_concurrent_replays_of_a_failed_job_start_one_run(local_aws: LocalAWS) -> None:
    # GIVEN a failed job
    failed = local_aws.wait(local_aws.start({"description": "x", "style": "cartoon"}, "ops-rc"))
    assert failed["status"] == "FAILED"
    before = len(local_aws.executions())
    answers: list[dict[str, str]] = []

    def replay() -> None:
        with local_aws.function_environment("RetryFailedJobsFunction"):
            answers.append(operations(local_aws).replay("ops-rc"))

    # WHEN three operators replay it at the same moment
    start = threading.Barrier(3)

    def replay_when_all_are_ready() -> None:
        start.wait()
        replay()

    threads = [threading.Thread(target=replay_when_all_are_ready) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    # THEN they all name the same run, and only that one was started
    assert len({answer["as"] for answer in answers}) == 1, answers
    assert len(local_aws.executions()) == before + 1
    local_aws.wait(local_aws.execution_arn(answers[0]["as"]))
    # AND a replay after that run failed too starts the next one (a replay of the replay)
    with local_aws.function_environment("RetryFailedJobsFunction"):
        again = operations(local_aws).replay("ops-rc")
    assert again["as"] != answers[0]["as"]
    assert again["replayed"] == answers[0]["as"]
    assert len(local_aws.executions()) == before + 2
