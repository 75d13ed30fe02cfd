"""Reading and adjusting the embedded Step Functions' state directly, where the API would be
slow (history re-serialized on every poll) or has no call (AWS forgets old runs in time; tests
move a run's stop date to check the 14-day redrive window)."""

from __future__ import annotations

import datetime
from typing import Any, cast

from moto.stepfunctions.models import StateMachine
from moto.stepfunctions.parser.api import ExecutionStatus
from moto.stepfunctions.parser.backend.execution import Execution
from moto.stepfunctions.parser.models import (
    StepFunctionsParserBackend,
    stepfunctions_parser_backends,
)

from emoji_smith_local.moto_internals.fence import declared, sets


def needed() -> dict[str, bool]:
    backend = StepFunctionsParserBackend
    return {
        "stepfunctions_parser_backends[account][region]": isinstance(
            stepfunctions_parser_backends, dict
        ),
        **{
            f"StepFunctionsParserBackend.{name}": hasattr(backend, name)
            for name in ("describe_state_machine", "describe_execution", "get_execution_history")
        },
        "StateMachine.executions": sets(StateMachine, "executions"),
        **{
            f"Execution.{name}": declared(Execution, name)
            for name in ("exec_status", "start_date", "stop_date")
        },
    }


def forget_succeeded(account: str, region: str, state_machine_arn: str, keep: int) -> int:
    """Drop all but the newest `keep` SUCCEEDED executions (their history and worker state), as
    AWS's 90-day history retention does in time; failed ones stay for redrive. Returns how many
    were dropped."""
    machine = stepfunctions_parser_backends[account][region].describe_state_machine(
        state_machine_arn
    )
    succeeded = [
        execution
        for execution in machine.executions
        if getattr(execution, "exec_status", None) == ExecutionStatus.SUCCEEDED
    ]
    succeeded.sort(key=lambda execution: execution.stop_date or execution.start_date)
    dropped = succeeded[: max(0, len(succeeded) - keep)]
    for execution in dropped:
        machine.executions.remove(execution)
    return len(dropped)


def execution_history(account: str, region: str, execution_arn: str) -> list[dict[str, Any]]:
    """GetExecutionHistory's events, read from the backend: the API round trip serializes the
    whole history again on every poll (~30 ms each for a finished job)."""
    backend = stepfunctions_parser_backends[account][region]
    events = cast(list[dict[str, Any]], backend.get_execution_history(execution_arn)["events"])
    for event in events:  # stored as ISO text; the API's clients get datetimes
        stamp = event["timestamp"]
        if isinstance(stamp, str):
            event["timestamp"] = datetime.datetime.fromisoformat(stamp)
    return events


def backdate(account: str, region: str, execution_arn: str, by: datetime.timedelta) -> None:
    """Move an ended execution's stop date into the past (tests of the 14-day window)."""
    backend = stepfunctions_parser_backends[account][region]
    execution: Any = backend.describe_execution(execution_arn)
    execution.stop_date = execution.stop_date - by
