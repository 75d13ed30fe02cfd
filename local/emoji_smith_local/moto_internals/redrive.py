"""What moto 5.2.5's Step Functions lacks and AWS has: `RedriveExecution`, and the
"Execution Status Change" events that EventBridge rules receive.

Redrive follows AWS: only a FAILED, TIMED_OUT or ABORTED execution stopped less than 14 days ago;
it resumes at the state that did not complete (a `Fail` state fails again), with the input that
state entered with, under the same execution ARN, and counts `redriveCount`.
"""

from __future__ import annotations

import datetime
import json
import threading
from collections.abc import Callable
from typing import Any, cast

from moto.core.exceptions import AWSError
from moto.core.responses import ActionResult
from moto.stepfunctions.parser.api import (
    ExecutionRedrivenEventDetails,
    ExecutionStatus,
    HistoryEventType,
)
from moto.stepfunctions.parser.asl.component.eval_component import EvalComponent
from moto.stepfunctions.parser.asl.eval.environment import Environment
from moto.stepfunctions.parser.asl.eval.event.event_detail import EventDetails
from moto.stepfunctions.parser.asl.eval.event.event_manager import (
    EventHistoryContext,
    EventManager,
)
from moto.stepfunctions.parser.backend import execution as execution_module
from moto.stepfunctions.parser.backend.execution_worker import ExecutionWorker
from moto.stepfunctions.parser.models import StepFunctionsParserBackend
from moto.stepfunctions.responses import StepFunctionResponse

from emoji_smith_local.event_rules import EndedExecution
from emoji_smith_local.moto_internals.fence import declared, sets, takes

REDRIVE_WINDOW = datetime.timedelta(days=14)
REDRIVABLE = (ExecutionStatus.FAILED, ExecutionStatus.TIMED_OUT, ExecutionStatus.ABORTED)


StatusListener = Callable[[EndedExecution], None]


class ExecutionNotRedrivable(AWSError):
    TYPE = "ExecutionNotRedrivable"
    STATUS = 400


class _Hooks:
    """The listener and the executions whose status-change delivery is still under way."""

    def __init__(self) -> None:
        self.listener: StatusListener | None = None
        self.settling: set[str] = set()
        self.lock = threading.Lock()
        #: Notified each time an execution has ended and its event has been delivered.
        self.settled = threading.Condition(self.lock)


HOOKS = _Hooks()
_original_terminated = execution_module.BaseExecutionWorkerCommunication.terminated
_original_describe = StepFunctionResponse.describe_execution


def needed() -> dict[str, bool]:
    """Each internal used below: the execution's and its worker's private members, the ASL
    environment a redrive resumes, the history it appends to, the API response it extends."""
    execution = execution_module.Execution
    communication = execution_module.BaseExecutionWorkerCommunication
    return {
        "BaseExecutionWorkerCommunication.terminated": hasattr(communication, "terminated"),
        "BaseExecutionWorkerCommunication.execution": sets(communication, "execution"),
        **{
            f"Execution.{name}": declared(execution, name)
            for name in (
                "exec_worker",
                "_activity_store",
                "_get_start_execution_worker_comm",
                "exec_arn",
                "exec_status",
                "name",
                "start_date",
                "stop_date",
                "output",
                "error",
                "cause",
            )
        },
        "Execution.state_machine_arn": sets(execution, "state_machine_arn"),
        "Execution.execution_input": sets(execution, "execution_input"),
        "ExecutionWorker.__init__(evaluation_details, exec_comm, "
        "cloud_watch_logging_session, activity_store)": takes(
            ExecutionWorker.__init__,
            "evaluation_details",
            "exec_comm",
            "cloud_watch_logging_session",
            "activity_store",
        ),
        "ExecutionWorker._execution_logic(self)": takes(
            getattr(ExecutionWorker, "_execution_logic", None), "self"
        ),
        **{
            f"ExecutionWorker.{name}": declared(ExecutionWorker, name)
            for name in (
                "_evaluation_details",
                "_execution_communication",
                "_get_evaluation_entrypoint",
                "_get_evaluation_environment",
                "env",
                "start",
            )
        },
        **{
            f"Environment.{name}": declared(Environment, name)
            for name in ("event_manager", "event_history_context", "states", "next_state_name")
        },
        "EventManager.get_event_history": hasattr(EventManager, "get_event_history"),
        "EventManager.add_event(update_source_event_id)": takes(
            getattr(EventManager, "add_event", None), "update_source_event_id"
        ),
        "EventHistoryContext(previous_event_id)": takes(EventHistoryContext, "previous_event_id"),
        "EvalComponent.eval": hasattr(EvalComponent, "eval"),
        "StepFunctionsParserBackend.describe_execution": hasattr(
            StepFunctionsParserBackend, "describe_execution"
        ),
        "StepFunctionResponse.describe_execution": hasattr(
            StepFunctionResponse, "describe_execution"
        ),
        "StepFunctionResponse._get_param": hasattr(StepFunctionResponse, "_get_param"),
        "StepFunctionResponse.stepfunction_backend": declared(
            StepFunctionResponse, "stepfunction_backend"
        ),
        "ActionResult.result": declared(ActionResult, "result"),
    }


def patches() -> list[tuple[Any, str, Any]]:
    return [
        (execution_module.BaseExecutionWorkerCommunication, "terminated", _terminated),
        (StepFunctionsParserBackend, "redrive_execution", _redrive_execution),
        (StepFunctionResponse, "redrive_execution", _redrive_response),
        (StepFunctionResponse, "describe_execution", _describe_response),
    ]


def is_settling(execution_arn: str) -> bool:
    """True while a terminal execution's status-change event is still being delivered."""
    with HOOKS.lock:
        return execution_arn in HOOKS.settling


def _ended(execution: Any) -> EndedExecution:
    return EndedExecution(
        arn=execution.exec_arn,
        state_machine_arn=execution.state_machine_arn,
        name=execution.name,
        status=execution.exec_status.value,
        start_date=execution.start_date,
        stop_date=execution.stop_date,
        input=execution.execution_input,
        output=execution.output,
        error=execution.error,
        cause=execution.cause,
        redrive_count=getattr(execution, "redrive_count", 0),
    )


def _terminated(communication: Any) -> None:
    arn = communication.execution.exec_arn
    with HOOKS.lock:
        HOOKS.settling.add(arn)
    try:
        _original_terminated(communication)
        listener = HOOKS.listener
        if listener is not None:
            listener(_ended(communication.execution))
    finally:
        with HOOKS.lock:
            HOOKS.settling.discard(arn)
            HOOKS.settled.notify_all()


def wait_for_an_ending(timeout_seconds: float) -> None:
    """Sleep until some execution has ended and settled (or the timeout passes)."""
    with HOOKS.lock:
        HOOKS.settled.wait(timeout_seconds)


# -- RedriveExecution ---------------------------------------------------------------------------
def _redrive_execution(backend: StepFunctionsParserBackend, execution_arn: str) -> Any:
    execution: Any = backend.describe_execution(execution_arn)
    reason = _not_redrivable_reason(execution)
    if reason:
        raise ExecutionNotRedrivable(reason)
    env = execution.exec_worker.env
    state_name, state_input = _unfinished_state(env.event_manager.get_event_history())
    count = getattr(execution, "redrive_count", 0) + 1
    worker = _RedriveWorker(execution, state_name, state_input, env.event_manager, count)
    execution.redrive_count = count
    execution.redrive_date = datetime.datetime.now(tz=datetime.UTC)
    execution.exec_status = ExecutionStatus.RUNNING
    execution.stop_date = None
    execution.error = None
    execution.cause = None
    execution.exec_worker = worker
    worker.start()  # type: ignore[no-untyped-call]
    return execution


def _not_redrivable_reason(execution: Any) -> str:
    if execution.exec_status not in REDRIVABLE:
        return f"Execution is {execution.exec_status.value} and cannot be redriven."
    stopped = execution.stop_date
    if stopped is not None and datetime.datetime.now(tz=datetime.UTC) - stopped > REDRIVE_WINDOW:
        return "Execution redrivable period exceeded."
    return ""


def _unfinished_state(events: list[dict[str, Any]]) -> tuple[str, Any]:
    """The last state entered and never exited, and the input it entered with."""
    open_states: list[tuple[str, Any]] = []
    for event in events:
        entered = event.get("stateEnteredEventDetails")
        exited = event.get("stateExitedEventDetails")
        if entered:
            open_states.append((entered["name"], json.loads(entered.get("input") or "{}")))
        elif exited and open_states and open_states[-1][0] == exited["name"]:
            open_states.pop()
    if not open_states:
        raise ExecutionNotRedrivable("Execution has no unsuccessful state to redrive.")
    return open_states[-1]


class _RedriveWorker(ExecutionWorker):
    """Runs the program from one state, appending to the execution's existing history."""

    def __init__(
        self,
        execution: Any,
        state_name: str,
        state_input: Any,
        event_manager: Any,
        redrive_count: int,
    ) -> None:
        super().__init__(
            evaluation_details=execution.exec_worker._evaluation_details,
            exec_comm=execution._get_start_execution_worker_comm(),
            cloud_watch_logging_session=None,
            activity_store=execution._activity_store,
        )
        self._state_name = state_name
        self._state_input = state_input
        self._event_manager = event_manager
        self._redrive_count = redrive_count

    def _execution_logic(self) -> None:
        program = self._get_evaluation_entrypoint()
        env: Any = self._get_evaluation_environment()
        env.event_manager = self._event_manager
        last_id = len(self._event_manager.get_event_history())
        env.event_history_context = EventHistoryContext(previous_event_id=last_id)
        self.env = env
        env.event_manager.add_event(
            context=env.event_history_context,
            event_type=HistoryEventType.ExecutionRedriven,
            # moto's EventDetails type predates redrive; the history serialises it all the same
            event_details=cast(
                EventDetails,
                {
                    "executionRedrivenEventDetails": ExecutionRedrivenEventDetails(
                        redriveCount=self._redrive_count
                    )
                },
            ),
            update_source_event_id=False,
        )
        env.states.reset(self._state_input)
        env.next_state_name = self._state_name
        EvalComponent.eval(program, env)  # the Program's body, from the unfinished state
        self._execution_communication.terminated()


def _redrive_response(response: StepFunctionResponse) -> ActionResult:
    arn = response._get_param("executionArn")
    execution = response.stepfunction_backend.redrive_execution(arn)  # type: ignore[attr-defined]
    return ActionResult({"redriveDate": execution.redrive_date})


def _describe_response(response: StepFunctionResponse) -> ActionResult:
    result = _original_describe(response)
    described = result.result
    if isinstance(described, dict):
        backend: Any = response.stepfunction_backend
        execution: Any = backend.describe_execution(described["executionArn"])
        described["redriveCount"] = getattr(execution, "redrive_count", 0)
        if getattr(execution, "redrive_date", None) is not None:
            described["redriveDate"] = execution.redrive_date
        reason = _not_redrivable_reason(execution)
        described["redriveStatus"] = "NOT_REDRIVABLE" if reason else "REDRIVABLE"
        if reason:
            described["redriveStatusReason"] = reason
    return result
