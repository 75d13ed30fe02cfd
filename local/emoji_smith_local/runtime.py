"""The embedded AWS: `with LocalAWS() as aws:` deploys `template.yaml` onto moto in this process
and runs the real ASL with moto's interpreter; each Lambda call runs our handler in-process.

This module is the API the CLI, `serve` and the tests use. How the template is deployed:
`deploy.py`; how a function runs: `invoker.py`; everything that touches moto's internals:
`moto_internals/`. It is over 250 lines because it is one object's public surface (lifecycle,
clients, functions, executions, the EventBridge delivery) — each method a few lines.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

import boto3
from moto import mock_aws

from emoji_smith.adapters.aws_signed_json import aws_in_this_process
from emoji_smith.domain.retries import ENDED_STATUSES
from emoji_smith_local import moto_internals
from emoji_smith_local.deploy import (
    ACCOUNT_ID,
    REGION,
    DeployedFunction,
    Deployer,
    UnusableTemplate,
)
from emoji_smith_local.event_rules import (
    DELIVERY_ATTEMPTS,
    EndedExecution,
    EventRule,
    execution_status_change,
)
from emoji_smith_local.invoker import (
    IDLE_SECONDS_BEFORE_TRIM,
    InProcessInvoker,
    LocalLambdaContext,
)
from emoji_smith_local.template import TEMPLATE_PATH, load_template

if TYPE_CHECKING:
    from emoji_smith.domain.models import JobRecord
    from emoji_smith.ports import ImageStore, JobRepository, Ports

#: Variables a developer sets in their shell that the functions read (secrets come from here
#: locally; in AWS they come from Secrets Manager).
PASSED_THROUGH = ("OPENAI_", "SLACK_", "EMOJI_SMITH_")
TERMINAL = ENDED_STATUSES
#: A waiter looks again at least this often (e.g. a run stopped from outside never settles).
WAIT_FALLBACK_SECONDS = 0.25
#: Variables that Powertools reads from the process environment when a module loads: set for
#: the process while a LocalAWS runs (the same for every function), not per call.
PROCESS_VARIABLES = (
    "POWERTOOLS_LOG_LEVEL",
    "POWERTOOLS_METRICS_DISABLED",
    "POWERTOOLS_METRICS_NAMESPACE",
    "POWERTOOLS_SERVICE_NAME",
)


class LocalRuntimeError(RuntimeError):
    """The embedded AWS cannot run: a moto upgrade moved an internal, or the template is
    unusable."""


def check_hook_point() -> None:
    """Fail loudly if moto no longer has the hook this runtime replaces."""
    if not moto_internals.lambda_hook_present():
        raise LocalRuntimeError(
            "moto.awslambda.models.LambdaFunction._invoke_lambda(self, event) is gone or changed: "
            "the local runtime cannot run handlers in-process with this moto version. "
            "Pin the moto version in pyproject.toml back, or port the hook."
        )


class LocalAWS:
    """`with LocalAWS() as aws:` — the stack from `template.yaml`, running in this process."""

    def __init__(
        self,
        *,
        instant_retries: bool = False,
        environment: Mapping[str, str] | None = None,
        parameters: Mapping[str, str] | None = None,
        template_path: Path = TEMPLATE_PATH,
        keep_succeeded: int | None = None,
    ) -> None:
        """`keep_succeeded`: forget all but the newest N succeeded executions, and hand memory
        back after each burst (a long-running `serve`; memory stays bounded). None keeps every
        execution (tests read them back)."""
        check_hook_point()
        moto_internals.register_batch_lazily()
        self._template_path = template_path
        self._keep_succeeded = keep_succeeded
        self._parameter_overrides = dict(parameters or {})
        self._overrides = {
            key: value for key, value in os.environ.items() if key.startswith(PASSED_THROUGH)
        }
        self._overrides.setdefault("POWERTOOLS_LOG_LEVEL", "CRITICAL")
        self._overrides.setdefault("POWERTOOLS_METRICS_DISABLED", "true")
        # Without a bot token, deliveries go to this folder: the embedded stack's explicit choice.
        self._overrides.setdefault("EMOJI_SMITH_OUTBOX_DIR", "emoji-out/outbox")
        self._overrides |= dict(environment or {})
        self._mock = mock_aws(config={"stepfunctions": {"execute_state_machine": True}})
        self._invoker = InProcessInvoker()
        if keep_succeeded is not None:
            self._invoker.trim_after_idle = IDLE_SECONDS_BEFORE_TRIM
        #: The ASL retrier's clock: `waits` records each backoff; `instant` skips them; `jitter`
        #: pins a FULL jitter draw (0..1 of the interval) instead of a random one.
        self.retry_sleeps = moto_internals.RetryClock(instant_retries)
        self.function_names: dict[str, str] = {}
        self.skipped: dict[str, str] = {}
        self.physical_ids: dict[str, str] = {}
        self.state_machine_arn = ""
        self.event_rules: list[EventRule] = []
        self._functions: dict[str, DeployedFunction] = {}
        self._clients: dict[str, Any] = {}
        self._clients_lock = threading.Lock()
        self._closing = False

    # -- lifecycle --------------------------------------------------------------------------------
    _active: LocalAWS | None = None

    def __enter__(self) -> LocalAWS:
        if LocalAWS._active is not None:
            raise LocalRuntimeError("One LocalAWS at a time per process: moto's state is global.")
        LocalAWS._active = self
        os.environ.setdefault("AWS_DEFAULT_REGION", REGION)
        self._saved_process_variables = {key: os.environ.get(key) for key in PROCESS_VARIABLES}
        for key, value in self._process_variables().items():
            os.environ[key] = value
        try:
            moto_internals.install(self._on_execution_finished, self._invoker, self.retry_sleeps)
        except moto_internals.MotoMoved as error:
            LocalAWS._active = None
            raise LocalRuntimeError(str(error)) from error
        logging.getLogger("moto.stepfunctions.parser").setLevel(logging.CRITICAL)
        # A new deployment runs in new containers: nothing cached by an earlier stack in this
        # process (an emoji list, a client) carries over.
        from emoji_smith.bootstrap import new_containers

        new_containers()
        self._mock.start()
        aws_in_this_process(True)  # moto answers boto3 only: no signed standard-library calls
        try:
            self._deploy()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._closing = True
        self._stop_running_executions()
        self._invoker.wait_idle(timeout_seconds=30)  # let a function already running finish
        self._mock.stop()
        aws_in_this_process(False)
        moto_internals.uninstall()
        for key, value in self._saved_process_variables.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        LocalAWS._active = None

    def _deploy(self) -> None:
        deployer = Deployer(
            self._template_path, self._parameter_overrides, self._overrides, self.client
        )
        try:
            stack = deployer.deploy()
        except UnusableTemplate as error:
            raise LocalRuntimeError(str(error)) from error
        self._functions = stack.functions
        self.function_names = {key: function.name for key, function in stack.functions.items()}
        self.physical_ids = stack.physical_ids
        self.state_machine_arn = stack.state_machine_arn
        self.event_rules = stack.event_rules
        self.skipped = stack.skipped

    def _process_variables(self) -> dict[str, str]:
        """Powertools' variables: the local choices, else the template's (Globals)."""
        globals_ = load_template(self._template_path).get("Globals", {}).get("Function", {})
        template = globals_.get("Environment", {}).get("Variables", {})
        values = {}
        for key in PROCESS_VARIABLES:
            value = self._overrides.get(key, template.get(key))
            values[key] = value if isinstance(value, str) else "emoji-smith"  # !Sub: a name
        return values

    def _stop_running_executions(self) -> None:
        """No workflow thread may outlive its embedded AWS (it would call the real one)."""
        if not self.state_machine_arn:
            return
        client = self.client("stepfunctions")
        for execution in self.executions():
            if execution["status"] == "RUNNING":
                client.stop_execution(
                    executionArn=execution["executionArn"], cause="local runtime closed"
                )

    # -- clients ----------------------------------------------------------------------------------
    def client(self, service: str) -> Any:
        """One client per service for this runtime (building one costs tens of ms)."""
        with self._clients_lock:
            if service not in self._clients:
                self._clients[service] = boto3.client(service, region_name=REGION)  # type: ignore[call-overload]
            return self._clients[service]

    def jobs(self) -> JobRepository:
        """The deployed jobs table, through the same adapter the functions use."""
        return self._ports().job_repository()

    def job(self, job_id: str) -> JobRecord:
        """The job's record; one with only its id while nothing is recorded yet."""
        from emoji_smith.domain.models import JobRecord

        return self.jobs().get(job_id) or JobRecord(job_id=job_id)

    @contextmanager
    def function_environment(self, logical_id: str) -> Iterator[None]:
        """Run code as the deployed function `logical_id` would see its environment."""
        configuration = self.client("lambda").get_function_configuration(
            FunctionName=self.function_names[logical_id]
        )
        with self._invoker.environment(configuration["Environment"]["Variables"]):
            yield

    def context_for(self, logical_id: str) -> LocalLambdaContext:
        configuration = self.client("lambda").get_function_configuration(
            FunctionName=self.function_names[logical_id]
        )
        return LocalLambdaContext(
            configuration["FunctionName"], configuration["MemorySize"], configuration["FunctionArn"]
        )

    def function_variables(self, logical_id: str) -> dict[str, str]:
        """The environment a deployed function runs with."""
        return dict(self._functions[logical_id].variables)

    @contextmanager
    def http_endpoint(self) -> Iterator[dict[str, str]]:
        """This embedded AWS on a local HTTP port (moto's server shares its state), for code in
        another process; yields the variables that point boto3 at it."""
        from moto.server import ThreadedMotoServer

        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        server.start()
        host, port = server.get_host_and_port()
        try:
            yield {
                "AWS_ENDPOINT_URL": f"http://{host}:{port}",
                "AWS_DEFAULT_REGION": REGION,
                "AWS_ACCESS_KEY_ID": "local",
                "AWS_SECRET_ACCESS_KEY": "local",
            }
        finally:
            server.stop()

    def call(self, logical_id: str, event: Mapping[str, Any]) -> dict[str, Any]:
        """Run a function the way its Function URL does (not through the Lambda API): the
        handler with its own environment; an exception comes back as Lambda's error document."""
        function = self._functions[logical_id]
        result, _ = self._invoker.run(
            function.handler, function.variables, function.context, dict(event)
        )
        return dict(result)

    def invoke(self, logical_id: str, event: Mapping[str, Any]) -> dict[str, Any]:
        """Invoke a deployed function as AWS would (through the Lambda API) and return its
        result; a handler's exception comes back as Lambda's error document."""
        response = self.client("lambda").invoke(
            FunctionName=self.function_names[logical_id], Payload=json.dumps(dict(event))
        )
        result: dict[str, Any] = json.loads(response["Payload"].read())
        return result

    def settle(self, timeout_seconds: float = 30) -> bool:
        """True once no function is running, asynchronous invocations included (False: still
        running after the timeout)."""
        return self._invoker.wait_idle(timeout_seconds)

    def executions(self) -> list[dict[str, Any]]:
        listed: list[dict[str, Any]] = self.client("stepfunctions").list_executions(
            stateMachineArn=self.state_machine_arn
        )["executions"]
        return listed

    def execution_arn(self, name: str) -> str:
        from emoji_smith.domain.naming import execution_arn

        return execution_arn(self.state_machine_arn, name)

    def images(self) -> ImageStore:
        return self._ports().image_store()

    def _ports(self) -> Ports:
        """The stack's tables and bucket, wired as the functions wire them."""
        from emoji_smith.bootstrap import bootstrap
        from emoji_smith.settings import Settings

        return bootstrap(
            Settings(
                jobs_table_name=self.physical_ids["JobsTable"],
                images_bucket_name=self.physical_ids["ImagesBucket"],
            )
        )

    @property
    def invocations(self) -> list[str]:
        """Function names in the order they were invoked."""
        return self._invoker.invocations

    # -- running the workflow ---------------------------------------------------------------------
    def start(self, request: Mapping[str, Any], name: str) -> str:
        """Start a job whose id is the execution name, as the webhook does."""
        return str(
            self.client("stepfunctions").start_execution(
                stateMachineArn=self.state_machine_arn,
                name=name,
                input=json.dumps({"job_id": name, "request": dict(request)}),
            )["executionArn"]
        )

    def describe(self, execution_arn: str) -> dict[str, Any]:
        result: dict[str, Any] = self.client("stepfunctions").describe_execution(
            executionArn=execution_arn
        )
        return result

    def history(self, execution_arn: str) -> list[dict[str, Any]]:
        """GetExecutionHistory's events (read from the backend: progress polls this often)."""
        from emoji_smith_local.moto_internals.backend import execution_history

        return execution_history(ACCOUNT_ID, REGION, execution_arn)

    def redrive(self, execution_arn: str) -> None:
        self.client("stepfunctions").redrive_execution(executionArn=execution_arn)

    def backdate(self, execution_arn: str, by: timedelta) -> None:
        """Pretend an ended execution stopped `by` earlier (tests of the redrive window)."""
        from emoji_smith_local.moto_internals.backend import backdate

        backdate(ACCOUNT_ID, REGION, execution_arn, by)

    def wait(self, execution_arn: str, timeout_seconds: float = 120.0) -> dict[str, Any]:
        """The execution once it has ended and its status-change event has been delivered.
        Woken when any execution settles, not polled: thirty waiting threads polling every few
        milliseconds used to take the interpreter from the runs they waited for."""
        from emoji_smith_local.moto_internals.redrive import wait_for_an_ending

        deadline = time.monotonic() + timeout_seconds
        while True:
            description = self.describe(execution_arn)
            if description["status"] in TERMINAL and not _settling(execution_arn):
                return description
            if time.monotonic() > deadline:
                raise TimeoutError(f"{execution_arn} still {description['status']}")
            wait_for_an_ending(WAIT_FALLBACK_SECONDS)

    # -- EventBridge ------------------------------------------------------------------------------
    def _on_execution_finished(self, execution: EndedExecution) -> None:
        """What EventBridge does with the execution's status change: each matching rule's
        target function is invoked (a failed delivery is tried again, as Lambda's async
        invocation does)."""
        if self._closing:
            return  # runs stopped because this runtime is closing are not operator aborts
        if self._keep_succeeded is not None and execution.status == "SUCCEEDED":
            from emoji_smith_local.moto_internals.backend import forget_succeeded

            forget_succeeded(ACCOUNT_ID, REGION, self.state_machine_arn, self._keep_succeeded)
        event = execution_status_change(
            execution, account=ACCOUNT_ID, region=REGION, event_id=str(uuid.uuid4())
        )
        for rule in self.event_rules:
            if not rule.matches(event):
                continue
            for _ in range(DELIVERY_ATTEMPTS):
                if "errorType" not in self.invoke(rule.function_logical_id, event):
                    break


def _settling(execution_arn: str) -> bool:
    from emoji_smith_local.moto_internals.redrive import is_settling

    return is_settling(execution_arn)
