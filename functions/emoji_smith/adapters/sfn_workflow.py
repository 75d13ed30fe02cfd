"""The emoji workflow in Step Functions: start (idempotent by name), list recent runs, redrive.

The start is the webhook's, on every submission: it goes through the standard library's signed
client (`aws_signed_json`, a kept-alive connection), about half of boto3's cost per call and
no boto3 import, or through boto3 where `through_boto3()` says so (the one rule). The
rest (a click's SendTask*, the retry schedule's listing and redrives) through boto3, imported
when first used.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from emoji_smith.adapters.aws_signed_json import (
    STEP_FUNCTIONS,
    AwsCallFailed,
    call,
    through_boto3,
)
from emoji_smith.domain.retries import Run

if TYPE_CHECKING:
    from mypy_boto3_stepfunctions import SFNClient

#: Slack redelivers after seconds; a start date older than this means the run was already open.
CLOCK_SKEW = timedelta(seconds=1)
NOT_REDRIVABLE = frozenset({"ExecutionNotRedrivable", "ExecutionDoesNotExist", "ResourceNotFound"})


class StepFunctionsWorkflow:
    def __init__(self, state_machine_arn: str) -> None:
        self._arn = state_machine_arn

    @property
    def state_machine_arn(self) -> str:
        return self._arn

    def start(self, name: str, execution_input: dict[str, Any]) -> bool:
        """False for a duplicate: the name was used before (ExecutionAlreadyExists), or, with
        the same input while that run is still open, AWS answers with the open run itself
        (success, its own earlier start date). Another refusal is AwsCallFailed; no answer,
        OSError."""
        asked_at = datetime.now(UTC)
        request = {"stateMachineArn": self._arn, "name": name, "input": json.dumps(execution_input)}
        if through_boto3():
            client = _client()
            try:
                started = client.start_execution(**request)["startDate"]
            except client.exceptions.ExecutionAlreadyExists:
                return False
            return started >= asked_at - CLOCK_SKEW
        try:
            answer = call(STEP_FUNCTIONS, "StartExecution", request)
        except AwsCallFailed as refusal:
            if refusal.code == "ExecutionAlreadyExists":
                return False
            raise
        started = datetime.fromtimestamp(float(answer["startDate"]), UTC)
        return started >= asked_at - CLOCK_SKEW

    def recent_runs(self, since: datetime) -> list[Run]:
        client = _client()
        runs: list[Run] = []
        for page in client.get_paginator("list_executions").paginate(stateMachineArn=self._arn):
            for summary in page["executions"]:
                if summary["startDate"] < since:
                    return runs  # newest first: the rest is older
                runs.append(self._run(summary))
        return runs

    def run(self, execution_arn: str) -> Run | None:
        client = _client()
        try:
            described = client.describe_execution(executionArn=execution_arn)
        except (client.exceptions.ExecutionDoesNotExist, client.exceptions.InvalidArn):
            return None
        return _run_of(dict(described), dict(described))

    def _run(self, summary: Any) -> Run:
        """A listed run; described too unless it is running (an open run has no error yet)."""
        if summary["status"] == "RUNNING":
            return _run_of(dict(summary), {})
        return self.run(summary["executionArn"]) or _run_of(dict(summary), {})

    def redrive(self, execution_arn: str) -> bool:
        """False when Step Functions cannot redrive it (too old, or not failed)."""
        from botocore.exceptions import ClientError

        try:
            _client().redrive_execution(executionArn=execution_arn)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in NOT_REDRIVABLE:
                return False
            raise
        return True

    def resume(self, token: str, output: dict[str, Any]) -> bool:
        return self._end_wait("send_task_success", taskToken=token, output=json.dumps(output))

    def abort_wait(self, token: str, error: str, cause: str) -> bool:
        return self._end_wait("send_task_failure", taskToken=token, error=error, cause=cause)

    def _end_wait(self, method: str, **arguments: str) -> bool:
        """False when there is nothing left to end: timed out, or the run is over."""
        client = _client()
        try:
            getattr(client, method)(**arguments)
        except (
            client.exceptions.TaskTimedOut,
            client.exceptions.InvalidToken,
            client.exceptions.TaskDoesNotExist,
        ):
            return False
        return True


def _run_of(summary: dict[str, Any], details: dict[str, Any]) -> Run:
    execution_input = str(details.get("input") or "{}")
    job_id = json.loads(execution_input).get("job_id") or summary["name"]
    return Run(
        arn=summary["executionArn"],
        name=summary["name"],
        job_id=str(job_id),
        status=summary["status"],
        started_at=summary["startDate"],
        stopped_at=summary.get("stopDate"),
        error=str(details.get("error") or ""),
        cause=str(details.get("cause") or ""),
        input=execution_input,
    )


def _client() -> SFNClient:
    from emoji_smith.adapters.aws_clients import stepfunctions_client

    return stepfunctions_client()
