"""What moto 5.2.5's Step Functions lacks and AWS has: `RedriveExecution`, and the
"Execution Status Change" events that EventBridge rules receive. Also: each execution parses the
definition once per state machine, not once per run (the parse is ~30 ms of CPU, on the path of
every StartExecution, and CreateStateMachine's check reuses it; the parsed components keep no run
state: that lives in each run's env), and
Lambda tasks share one boto3 client instead of building one per task (~15 ms of CPU each), and
each JSONPath is compiled once, not at every use (jsonpath_ng builds a new yacc parser per call):
under a burst of jobs both held up the webhook's StartExecution calls.

Redrive follows AWS: only a FAILED, TIMED_OUT or ABORTED execution stopped less than 14 days ago;
it resumes at the state that did not complete (a `Fail` state fails again), with the input that
state entered with, under the same execution ARN, and counts `redriveCount`. Everything here
touches moto's internals, so `check()` names each one and fails loudly if a moto upgrade moved it.
"""

from __future__ import annotations

import contextlib
import datetime
import functools
import hashlib
import json
import os
import pickle
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

from moto.core.exceptions import AWSError
from moto.core.responses import ActionResult
from moto.stepfunctions.parser.api import (
    ExecutionRedrivenEventDetails,
    ExecutionStatus,
    HistoryEventType,
)
from moto.stepfunctions.parser.asl.component.common.path import result_path
from moto.stepfunctions.parser.asl.component.eval_component import EvalComponent
from moto.stepfunctions.parser.asl.component.state.exec.state_task import lambda_eval_utils
from moto.stepfunctions.parser.asl.eval.event.event_detail import EventDetails
from moto.stepfunctions.parser.asl.eval.event.event_manager import EventHistoryContext
from moto.stepfunctions.parser.asl.utils import json_path
from moto.stepfunctions.parser.backend import execution as execution_module
from moto.stepfunctions.parser.backend.execution_worker import ExecutionWorker
from moto.stepfunctions.parser.models import StepFunctionsParserBackend
from moto.stepfunctions.responses import StepFunctionResponse

REDRIVE_WINDOW = datetime.timedelta(days=14)
REDRIVABLE = (ExecutionStatus.FAILED, ExecutionStatus.TIMED_OUT, ExecutionStatus.ABORTED)
#: Called with each execution as it reaches a terminal status (AWS emits the event then).
StatusListener = Callable[[Any], None]


class ExecutionNotRedrivable(AWSError):
    TYPE = "ExecutionNotRedrivable"
    STATUS = 400


class _Hooks:
    """The listener and the executions whose status-change delivery is still under way."""

    def __init__(self) -> None:
        self.listener: StatusListener | None = None
        self.settling: set[str] = set()
        self.lock = threading.Lock()


HOOKS = _Hooks()
_original_terminated = execution_module.BaseExecutionWorkerCommunication.terminated
_original_describe = StepFunctionResponse.describe_execution
_original_validate: Any = getattr(StepFunctionsParserBackend, "_validate_definition", None)
_original_client_for: Any = getattr(lambda_eval_utils, "boto_client_for", None)
_original_path_parse: Any = getattr(json_path, "parse", None)
_original_result_path_parse: Any = getattr(result_path, "parse", None)


def check() -> None:
    """Every moto internal this module relies on, by name."""
    needed = {
        "BaseExecutionWorkerCommunication.terminated": callable(_original_terminated),
        "Execution.exec_worker": "exec_worker" in execution_module.Execution.__annotations__,
        "ExecutionWorker._get_evaluation_entrypoint": hasattr(
            ExecutionWorker, "_get_evaluation_entrypoint"
        ),
        "ExecutionWorker._get_evaluation_environment": hasattr(
            ExecutionWorker, "_get_evaluation_environment"
        ),
        "StepFunctionResponse.describe_execution": callable(_original_describe),
        "lambda_eval_utils.boto_client_for": callable(_original_client_for),
        "StepFunctionsParserBackend._validate_definition": callable(_original_validate),
        "json_path.parse": callable(_original_path_parse),
        "result_path.parse": callable(_original_result_path_parse),
    }
    missing = [name for name, present in needed.items() if not present]
    if missing:
        raise RuntimeError(
            f"moto moved {', '.join(missing)}: the embedded redrive cannot work. "
            "Pin moto back in pyproject.toml, or port emoji_smith_local.moto_redrive."
        )


@functools.lru_cache(maxsize=16)
def _parsed(definition: str) -> Any:
    """The parsed definition, also kept on disk between processes: ANTLR takes ~80 ms to parse
    it in a fresh process (a third of the CLI's deploy), unpickling 1 ms."""
    from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser

    cached = _parse_cache_path(definition)
    with contextlib.suppress(OSError, pickle.PickleError, EOFError, AttributeError, ImportError):
        return pickle.loads(cached.read_bytes())  # noqa: S301 (this user's own cache)
    program = AmazonStateLanguageParser.parse(definition)[0]
    with contextlib.suppress(OSError, pickle.PickleError, RecursionError):
        cached.parent.mkdir(parents=True, exist_ok=True)
        partial = cached.with_suffix(f".{os.getpid()}.tmp")
        partial.write_bytes(pickle.dumps(program))
        partial.replace(cached)
    return program


def _parse_cache_path(definition: str) -> Path:
    import moto

    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "emoji-smith"
    version = f"{moto.__version__} {sys.version}"
    key = hashlib.sha256(f"{version}\n{definition}".encode()).hexdigest()[:32]
    return cache / f"asl-{key}.pickle"


def _cached_entrypoint(worker: ExecutionWorker) -> Any:
    return _parsed(worker._evaluation_details.state_machine_details.definition)


def _validate_once(definition: str) -> None:
    """CreateStateMachine's check, with the parse kept for the executions (moto's error on a
    bad definition, unchanged)."""
    try:
        _parsed(definition)
    except Exception:
        _original_validate(definition)
        raise


_clients: dict[tuple[str, str, bool], Any] = {}
_clients_lock = threading.Lock()


def _shared_client_for(region: str, service: str, state_credentials: Any = None) -> Any:
    """moto's client for a task, built once per (region, service): boto3 clients are
    thread-safe, and moto's are all alike (fixed keys, no retries)."""
    from moto.core.models import botocore_stubber

    key = (region, service, bool(botocore_stubber.enabled))
    with _clients_lock:
        client = _clients.get(key)
        if client is None:
            client = _clients[key] = _original_client_for(region, service, state_credentials)
    return client


# Compiled paths are immutable: `find` and `update_or_create` change the data, not the path.
@functools.lru_cache(maxsize=512)
def _compiled_path(path: str) -> Any:
    return _original_path_parse(path)


@functools.lru_cache(maxsize=512)
def _compiled_result_path(path: str) -> Any:
    return _original_result_path_parse(path)


def _patches() -> list[tuple[Any, str, Any]]:
    """(owner, attribute, replacement): every moto attribute this module replaces or adds."""
    return [
        (ExecutionWorker, "_get_evaluation_entrypoint", _cached_entrypoint),
        (StepFunctionsParserBackend, "_validate_definition", staticmethod(_validate_once)),
        (execution_module.BaseExecutionWorkerCommunication, "terminated", _terminated),
        (StepFunctionsParserBackend, "redrive_execution", _redrive_execution),
        (StepFunctionResponse, "redrive_execution", _redrive_response),
        (StepFunctionResponse, "describe_execution", _describe_response),
        (lambda_eval_utils, "boto_client_for", _shared_client_for),
        (json_path, "parse", _compiled_path),
        (result_path, "parse", _compiled_result_path),
    ]


_MISSING = object()
_saved: list[tuple[Any, str, Any]] = []


def install(listener: StatusListener) -> None:
    HOOKS.listener = listener
    for owner, attribute, replacement in _patches():
        _saved.append((owner, attribute, vars(owner).get(attribute, _MISSING)))
        setattr(owner, attribute, replacement)


def uninstall() -> None:
    HOOKS.listener = None
    with _clients_lock:
        _clients.clear()
    while _saved:
        owner, attribute, original = _saved.pop()
        if original is _MISSING:
            delattr(owner, attribute)
        else:
            setattr(owner, attribute, original)


def is_settling(execution_arn: str) -> bool:
    """True while a terminal execution's status-change event is still being delivered."""
    with HOOKS.lock:
        return execution_arn in HOOKS.settling


def forget_succeeded(account: str, region: str, state_machine_arn: str, keep: int) -> int:
    """Drop all but the newest `keep` SUCCEEDED executions (their history and worker state), as
    AWS's 90-day history retention does in time; failed ones stay for redrive. Returns how many
    were dropped."""
    from moto.stepfunctions.parser.models import stepfunctions_parser_backends

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
    from moto.stepfunctions.parser.models import stepfunctions_parser_backends

    backend = stepfunctions_parser_backends[account][region]
    events = cast(list[dict[str, Any]], backend.get_execution_history(execution_arn)["events"])
    for event in events:  # stored as ISO text; the API's clients get datetimes
        stamp = event["timestamp"]
        if isinstance(stamp, str):
            event["timestamp"] = datetime.datetime.fromisoformat(stamp)
    return events


def backdate(account: str, region: str, execution_arn: str, by: datetime.timedelta) -> None:
    """Move an ended execution's stop date into the past (tests of the 14-day window)."""
    from moto.stepfunctions.parser.models import stepfunctions_parser_backends

    backend = stepfunctions_parser_backends[account][region]
    execution: Any = backend.describe_execution(execution_arn)
    execution.stop_date = execution.stop_date - by


def _terminated(communication: Any) -> None:
    arn = communication.execution.exec_arn
    with HOOKS.lock:
        HOOKS.settling.add(arn)
    try:
        _original_terminated(communication)
        listener = HOOKS.listener
        if listener is not None:
            listener(communication.execution)
    finally:
        with HOOKS.lock:
            HOOKS.settling.discard(arn)


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
