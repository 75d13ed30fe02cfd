"""Costs moto's Step Functions pays on every step that AWS does not make us wait for: the
definition parsed once per state machine (not once per run, and CreateStateMachine's check
reuses the parse; ANTLR takes ~80 ms in a fresh process, so the parse is also kept on disk),
one boto3 client for every Lambda task (not one per task, ~15 ms of CPU each), and each JSONPath
compiled once (jsonpath_ng builds a new yacc parser per call). Under a burst of jobs these held
up the webhook's StartExecution calls (ack p99 1.4 s → 0.6 s at 100 at once)."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import pickle
import sys
import threading
from pathlib import Path
from typing import Any

from moto.core.models import botocore_stubber
from moto.stepfunctions.parser.asl.component.common.path import result_path
from moto.stepfunctions.parser.asl.component.state.exec.state_task import lambda_eval_utils
from moto.stepfunctions.parser.asl.eval.evaluation_details import (
    EvaluationDetails,
    StateMachineDetails,
)
from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser
from moto.stepfunctions.parser.asl.utils import json_path
from moto.stepfunctions.parser.backend.execution_worker import ExecutionWorker
from moto.stepfunctions.parser.models import StepFunctionsParserBackend

from emoji_smith_local.moto_internals.fence import declared

_original_validate: Any = getattr(StepFunctionsParserBackend, "_validate_definition", None)
_original_client_for: Any = getattr(lambda_eval_utils, "boto_client_for", None)
_original_path_parse: Any = getattr(json_path, "parse", None)
_original_result_path_parse: Any = getattr(result_path, "parse", None)


def needed() -> dict[str, bool]:
    return {
        "ExecutionWorker._get_evaluation_entrypoint": hasattr(
            ExecutionWorker, "_get_evaluation_entrypoint"
        ),
        "ExecutionWorker._evaluation_details": declared(ExecutionWorker, "_evaluation_details"),
        "EvaluationDetails.state_machine_details": declared(
            EvaluationDetails, "state_machine_details"
        ),
        "StateMachineDetails.definition": declared(StateMachineDetails, "definition"),
        "AmazonStateLanguageParser.parse": hasattr(AmazonStateLanguageParser, "parse"),
        "botocore_stubber.enabled": hasattr(botocore_stubber, "enabled"),
        "StepFunctionsParserBackend._validate_definition": callable(_original_validate),
        "lambda_eval_utils.boto_client_for": hasattr(lambda_eval_utils, "boto_client_for"),
        "json_path.parse": hasattr(json_path, "parse"),
        "result_path.parse": hasattr(result_path, "parse"),
    }


@functools.lru_cache(maxsize=16)
def _parsed(definition: str) -> Any:
    """The parsed definition, also kept on disk between processes: ANTLR takes ~80 ms to parse
    it in a fresh process (a third of the CLI's deploy), unpickling 1 ms."""
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


def patches() -> list[tuple[Any, str, Any]]:
    return [
        (ExecutionWorker, "_get_evaluation_entrypoint", _cached_entrypoint),
        (StepFunctionsParserBackend, "_validate_definition", staticmethod(_validate_once)),
        (lambda_eval_utils, "boto_client_for", _shared_client_for),
        (json_path, "parse", _compiled_path),
        (result_path, "parse", _compiled_result_path),
    ]


def reset() -> None:
    with _clients_lock:
        _clients.clear()
