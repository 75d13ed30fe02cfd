"""The webhook's StartExecution through its two clients — the signed standard-library one (the
webhook in AWS) and boto3 (where AWS runs in the process) — against Step Functions' API (moto's
server, which answers a start as AWS does: docs/FACTS.md): each sees the same duplicates."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from emoji_smith.adapters.aws_signed_json import AwsCallFailed
from emoji_smith.adapters.sfn_workflow import CLOCK_SKEW, StepFunctionsWorkflow


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
