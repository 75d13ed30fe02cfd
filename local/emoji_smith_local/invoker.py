"""How the embedded AWS runs a Lambda function: its handler, called in this process, with that
function's own environment (a context variable, never the process environment), at most a few
at once, and an exception reported as Lambda reports it (`errorType` = the class name), so the
ASL's Retry and Catch see our error names."""

from __future__ import annotations

import contextlib
import importlib
import json
import threading
import traceback
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

#: Function calls running at once. Lambda runs each in its own container; here they share one
#: interpreter, and a burst of runnable steps starves the API that starts jobs (measured with
#: 100 jobs at once: 16 slots put acknowledgements at a 6 s p99, 4 slots at 2 s).
MAX_CONCURRENT_FUNCTIONS = 4
#: A long-running stack hands memory back once no function has run for this long.
IDLE_SECONDS_BEFORE_TRIM = 2.0


@dataclass(frozen=True)
class LocalLambdaContext:
    """What a Lambda handler's `context` offers, as far as our handlers and Powertools use it."""

    function_name: str
    memory_limit_in_mb: int
    invoked_function_arn: str
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    function_version: str = "$LATEST"

    def get_remaining_time_in_millis(self) -> int:
        return 60_000


class InProcessInvoker:
    """Replaces moto's Docker-based invoke with a call of the handler in this process.

    Functions run concurrently, as Lambda runs them: each call sees its own function's
    environment through `emoji_smith.settings.function_environment` (this thread only), never
    the process environment, so a webhook call is never blocked behind a workflow step."""

    def __init__(self) -> None:
        self.invocations: list[str] = []
        self._running = 0
        self._idle = threading.Condition()
        self._slots = threading.BoundedSemaphore(MAX_CONCURRENT_FUNCTIONS)
        self._trim: threading.Timer | None = None
        #: Seconds of quiet after which memory is handed back (None: never; a long `serve`).
        self.trim_after_idle: float | None = None

    @contextmanager
    def environment(self, variables: Mapping[str, str]) -> Iterator[None]:
        """A function's environment for the length of one call, as its own container would."""
        from emoji_smith.settings import function_environment

        with self._idle:
            self._running += 1
        try:
            with function_environment(variables):
                yield
        finally:
            with self._idle:
                self._running -= 1
                self._idle.notify_all()
                if self._running == 0 and self.trim_after_idle is not None:
                    self._schedule_trim(self.trim_after_idle)

    def _schedule_trim(self, seconds: float) -> None:
        if self._trim is not None:
            self._trim.cancel()
        self._trim = threading.Timer(seconds, self._trim_if_idle)
        self._trim.daemon = True
        self._trim.start()

    def _trim_if_idle(self) -> None:
        with self._idle:
            if self._running:
                return
        release_memory()

    def wait_idle(self, timeout_seconds: float) -> bool:
        """True once no function call is running (False: still running after the timeout)."""
        with self._idle:
            return self._idle.wait_for(lambda: self._running == 0, timeout_seconds)

    def __call__(self, function: Any, event: Any = None) -> tuple[str, bool, str]:
        """moto's hook: (payload, is error, logs)."""
        payload = json.loads(event) if isinstance(event, str | bytes) else (event or {})
        variables = {key: str(value) for key, value in function.environment_vars.items()}
        context = LocalLambdaContext(
            function.function_name, int(function.memory_size), function.function_arn
        )
        result, failed = self.run(str(function.handler), variables, context, payload)
        return json.dumps(result), failed, ""

    def run(
        self, handler_path: str, variables: Mapping[str, str], context: Any, payload: Any
    ) -> tuple[Any, bool]:
        """The handler's result, or Lambda's error document (errorType = the class name)."""
        # Counted as running before it is listed: `settle` after seeing it listed waits for it.
        with self.environment(variables), self._slots:
            self.invocations.append(context.function_name)
            module_name, attribute = handler_path.rsplit(".", 1)
            handler: Callable[[Any, Any], Any] = getattr(
                importlib.import_module(module_name), attribute
            )
            try:
                return handler(payload, context), False
            except Exception as error:
                report = {
                    "errorMessage": str(error),
                    "errorType": type(error).__name__,
                    "stackTrace": traceback.format_tb(error.__traceback__),
                }
                return report, True


def release_memory() -> None:
    """Hand freed memory back to the system: a burst of jobs leaves the allocator holding the
    peak (glibc keeps freed heap pages; moto's object graphs wait for the cycle collector)."""
    import ctypes
    import gc

    gc.collect()
    with contextlib.suppress(OSError, AttributeError):  # not glibc: nothing to trim
        ctypes.CDLL("libc.so.6").malloc_trim(0)
