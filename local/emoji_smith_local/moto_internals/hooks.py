"""Where the embedded AWS hooks into moto to run our code: Lambda's invoke (moto would start a
Docker container; we call the handler in this process) and the ASL retrier's clock (its backoff
sleeps and its jitter draws, which tests record, skip or pin)."""

from __future__ import annotations

import importlib.util
import inspect
import random
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

from moto.awslambda.models import LambdaFunction

#: moto's hook: (function, event) → (payload, is error, logs).
Invoke = Callable[[Any, Any], tuple[str, bool, str]]
#: Lambda runs a failed asynchronous invocation again twice (its default retry attempts).
ASYNC_ATTEMPTS = 3


class RetryClock:
    """Stands in for `time` and `random` in moto's retrier: records each backoff, optionally
    skips the wait, and can pin a FULL jitter draw (0 = no wait, 1 = the whole interval)."""

    def __init__(self, instant: bool) -> None:
        self.instant = instant
        self.waits: list[float] = []
        #: None: drawn at random, as AWS does.
        self.jitter: float | None = None

    def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        if not self.instant:
            time.sleep(seconds)

    def uniform(self, low: float, high: float) -> float:
        if self.jitter is None:
            return random.uniform(low, high)
        return low + (high - low) * self.jitter


def lambda_hook_present() -> bool:
    hook = getattr(LambdaFunction, "_invoke_lambda", None)
    return hook is not None and list(inspect.signature(hook).parameters) == ["self", "event"]


def register_batch_lazily() -> None:
    """moto's ASL interpreter imports `moto.batch.utils` (for one enum); the `moto.batch` package
    init loads the Batch and EC2 backends, 0.6 s of the CLI's budget. Our workflow runs no Batch
    task, so the package is registered without running its init; its submodules still import
    normally if anything asks for them."""
    if "moto.batch" in sys.modules:
        return
    spec = importlib.util.find_spec("moto.batch")
    if spec is None or spec.submodule_search_locations is None:
        raise RuntimeError("moto.batch is not a package any more: update the local runtime")
    sys.modules["moto.batch"] = importlib.util.module_from_spec(spec)


def patches(invoke: Invoke, clock: RetryClock) -> list[tuple[Any, str, Any]]:
    from moto.stepfunctions.parser.asl.component.common.retry import (
        jitter_strategy_decl,
        retrier_decl,
    )

    def invoke_in_process(self: LambdaFunction, event: Any = None) -> tuple[str, bool, str]:
        return invoke(self, event)

    answer_in_full = LambdaFunction.invoke

    def invoke_as_asked(
        self: LambdaFunction, body: str, request_headers: Any, response_headers: Any
    ) -> str | bytes:
        """InvocationType=Event answers at once, as Lambda's queue does (moto would run the
        function before answering), and runs the function after, retried as Lambda does."""
        if request_headers.get("x-amz-invocation-type") != "Event":
            return answer_in_full(self, body, request_headers, response_headers)

        def run_later() -> None:
            for _ in range(ASYNC_ATTEMPTS):
                if not invoke(self, body or "{}")[1]:
                    return

        threading.Thread(target=run_later, name="lambda-async-invoke", daemon=True).start()
        return ""

    return [
        (LambdaFunction, "_invoke_lambda", invoke_in_process),
        (LambdaFunction, "invoke", invoke_as_asked),
        (retrier_decl, "time", clock),
        (jitter_strategy_decl, "random", clock),
    ]


def needed() -> dict[str, bool]:
    from moto.stepfunctions.parser.asl.component.common.retry import (
        jitter_strategy_decl,
        retrier_decl,
    )

    return {
        "LambdaFunction._invoke_lambda(self, event)": lambda_hook_present(),
        "LambdaFunction.invoke(self, body, request_headers, response_headers)": list(
            inspect.signature(LambdaFunction.invoke).parameters
        )
        == ["self", "body", "request_headers", "response_headers"],
        "retrier_decl.time": hasattr(retrier_decl, "time"),
        "jitter_strategy_decl.random": hasattr(jitter_strategy_decl, "random"),
    }
