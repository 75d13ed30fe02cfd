"""The webhook's StartExecution through its two clients — the signed standard-library one (the
webhook in AWS) and boto3 (where AWS runs in the process) — against Step Functions' API (moto's
server, which answers a start as AWS does: docs/FACTS.md): each sees the same duplicates. And a
run described by its ARN (what `ops replay` reads), by Step Functions and the in-memory fake."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from botocore.exceptions import ClientError

from emoji_smith.adapters.aws_signed_json import AwsCallFailed
from emoji_smith.adapters.sfn_workflow import CLOCK_SKEW, StepFunctionsWorkflow
from emoji_smith.ports import Workflow
from fakes.in_memory import InMemoryWorkflow


def test_both_clients_start_once_and_see_the_same_duplicates(
    state_machine: tuple[Any, str], aws_client: Callable[[str], None]
) -> None:
    client, arn = state_machine
    workflow = StepFunctionsWorkflow(arn)
    job = {"job_id": "j", "request": {"description": "ship it"}}
    # GIVEN a submission started through each client
    aws_client("signed")
    assert workflow.start("T1-V1", job)
    aws_client("boto3")
    assert workflow.start("T1-V2", job)
    time.sleep(CLOCK_SKEW.total_seconds() + 0.1)  # Slack's redelivery comes seconds later
    for kind in ("signed", "boto3"):
        aws_client(kind)
        for name in ("T1-V1", "T1-V2"):  # each client's start, and the other's
            # WHEN Slack redelivers it (the same name and input, the run still open)
            # THEN AWS answers with the open run, and it is a duplicate
            assert not workflow.start(name, job)
            # AND the same name with another input is refused (ExecutionAlreadyExists)
            assert not workflow.start(name, {**job, "request": {"description": "other"}})
    # AND nothing new ran
    runs = client.list_executions(stateMachineArn=arn)["executions"]
    assert sorted(run["name"] for run in runs) == ["T1-V1", "T1-V2"]
    # AND once a run has ended, its name is refused to both, the same input too
    client.stop_execution(executionArn=runs[0]["executionArn"])
    for kind in ("signed", "boto3"):
        aws_client(kind)
        assert not workflow.start(runs[0]["name"], job)


def test_both_clients_raise_another_refusal(
    state_machine: tuple[Any, str], aws_client: Callable[[str], None]
) -> None:
    missing = state_machine[1].replace("stateMachine:emoji-", "stateMachine:missing-")
    # WHEN the state machine does not exist
    # THEN neither client takes it for a duplicate: the webhook keeps the member's form
    aws_client("signed")
    with pytest.raises(AwsCallFailed) as refusal:
        StepFunctionsWorkflow(missing).start("T1-V1", {"job_id": "j"})
    assert refusal.value.code == "StateMachineDoesNotExist"
    aws_client("boto3")
    with pytest.raises(ClientError) as error:
        StepFunctionsWorkflow(missing).start("T1-V1", {"job_id": "j"})
    assert error.value.response["Error"]["Code"] == "StateMachineDoesNotExist"


@pytest.mark.parametrize("workflow_kind", ["step-functions", "in-memory"])
def test_a_run_is_described_with_its_input_and_an_unknown_one_is_none(
    state_machine: tuple[Any, str], workflow_kind: str
) -> None:
    # GIVEN a job started on Step Functions (moto's server) or on the in-memory fake
    arn = state_machine[1]
    workflow: Workflow = (
        StepFunctionsWorkflow(arn) if workflow_kind == "step-functions" else InMemoryWorkflow()
    )
    job = {"job_id": "T1-VRUN", "request": {"description": "ship it"}}
    assert workflow.start("T1-VRUN", job)
    started = next(run for run in workflow.recent_runs(datetime(2000, 1, 1, tzinfo=UTC)))
    # WHEN it is described by its ARN
    run = workflow.run(started.arn)
    # THEN it comes with its job, input and status, open
    assert run is not None
    assert (run.name, run.job_id, run.status, run.stopped_at) == (
        "T1-VRUN",
        "T1-VRUN",
        "RUNNING",
        None,
    )
    assert json.loads(run.input) == job
    # AND a run nobody started is None, not an error
    assert workflow.run(started.arn.replace("T1-VRUN", "T1-NEVER")) is None
