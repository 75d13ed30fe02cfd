"""The embedded AWS: moto in-process with its ASL interpreter, deployed from `template.yaml`.

moto's Lambda would need Docker to run a function; we replace its one invoke hook so each
function's handler runs in this process, with that function's environment, and an exception
comes back the way Lambda reports it (`errorType` = class name), so the ASL's Retry and Catch
see our error names.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import inspect
import io
import json
import logging
import os
import sys
import threading
import time
import traceback
import uuid
import zipfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

import boto3
from moto import mock_aws
from moto.awslambda.models import LambdaFunction

from emoji_smith.domain.retries import ENDED_STATUSES
from emoji_smith_local.event_rules import (
    DELIVERY_ATTEMPTS,
    EventRule,
    execution_status_change,
    function_rules,
)
from emoji_smith_local.template import (
    FUNCTION_TYPE,
    PROJECT_ROOT,
    STATE_MACHINE_TYPE,
    TEMPLATE_PATH,
    Resolver,
    UnresolvedReference,
    load_template,
)

if TYPE_CHECKING:
    from emoji_smith.domain.models import JobRecord
    from emoji_smith.ports import ImageStore, JobRepository

REGION = "us-east-1"
ACCOUNT_ID = "123456789012"
STACK_NAME = "emoji-smith-local"
#: Variables a developer sets in their shell that the functions read (secrets come from here
#: locally; in AWS they come from Secrets Manager).
PASSED_THROUGH = ("OPENAI_", "SLACK_", "EMOJI_SMITH_")
#: Template variables that only make sense in AWS.
AWS_ONLY_VARIABLES = ("EMOJI_SMITH_SECRET_NAME",)
NOT_DEPLOYED_LOCALLY = {
    "AWS::Logs::LogGroup": "logs go to this terminal locally",
    "AWS::CloudWatch::Alarm": "no CloudWatch locally",
    "AWS::S3::BucketPolicy": "TLS-only policy: nothing to enforce in-process",
    "AWS::SecretsManager::Secret": "secrets come from your environment locally",
}
TERMINAL = ENDED_STATUSES


class LocalRuntimeError(RuntimeError):
    """The embedded AWS cannot run: a moto upgrade moved its hook, or the template is unusable."""


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


def _register_batch_package_lazily() -> None:
    """moto's ASL interpreter imports `moto.batch.utils` (for one enum); the `moto.batch` package
    init loads the Batch and EC2 backends, 0.6 s of the CLI's 3 s budget. Our workflow runs no
    Batch task, so the package is registered without running its init; its submodules still
    import normally if anything asks for them."""
    if "moto.batch" in sys.modules:
        return
    spec = importlib.util.find_spec("moto.batch")
    if spec is None or spec.submodule_search_locations is None:
        raise LocalRuntimeError("moto.batch is not a package any more: update the local runtime")
    sys.modules["moto.batch"] = importlib.util.module_from_spec(spec)


def check_hook_point() -> None:
    """Fail loudly if moto no longer has the hook this runtime replaces."""
    hook = getattr(LambdaFunction, "_invoke_lambda", None)
    if hook is None or list(inspect.signature(hook).parameters) != ["self", "event"]:
        raise LocalRuntimeError(
            "moto.awslambda.models.LambdaFunction._invoke_lambda(self, event) is gone or changed: "
            "the local runtime cannot run handlers in-process with this moto version. "
            "Pin the moto version in pyproject.toml back, or port the hook."
        )


#: Variables that Powertools reads from the process environment when a module loads: set for
#: the process while a LocalAWS runs (the same for every function), not per call.
PROCESS_VARIABLES = (
    "POWERTOOLS_LOG_LEVEL",
    "POWERTOOLS_METRICS_DISABLED",
    "POWERTOOLS_METRICS_NAMESPACE",
    "POWERTOOLS_SERVICE_NAME",
)
#: Function calls running at once. Lambda runs each in its own container; here they share one
#: interpreter, and a burst of runnable steps starves the API that starts jobs (measured with
#: 100 jobs at once: 16 slots put acknowledgements at a 6 s p99, 4 slots at 2 s).
MAX_CONCURRENT_FUNCTIONS = 4
#: A long-running stack hands memory back once no function has run for this long.
IDLE_SECONDS_BEFORE_TRIM = 2.0


class _InProcessInvoker:
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

    def __call__(self, function: LambdaFunction, event: Any = None) -> tuple[str, bool, str]:
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
        self.invocations.append(context.function_name)
        with self._slots, self.environment(variables):
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


def share_botocore_models() -> None:
    """Parse each botocore model file once per process, not once per session: the runtime's
    clients, moto's parsers and each function's own clients all load the same JSON (~100 ms a
    run for S3's endpoint rules alone). Models are read-only once loaded."""
    from botocore import loaders

    if getattr(loaders.Loader, "_emoji_smith_shared", False):
        return
    cache: dict[tuple[Any, ...], Any] = {}
    lock = threading.Lock()
    load_service_model = loaders.Loader.load_service_model
    load_data_with_path = loaders.Loader.load_data_with_path

    def shared(method: Callable[..., Any]) -> Callable[..., Any]:
        def load(self: Any, *args: Any, **options: Any) -> Any:
            paths, extras = tuple(self.search_paths), tuple(self.extras_types)
            key = (method.__name__, paths, extras, *args, *sorted(options.items()))
            with lock:
                if key in cache:
                    return cache[key]
            value = method(self, *args, **options)
            with lock:
                return cache.setdefault(key, value)

        return load

    loaders.Loader.load_service_model = shared(load_service_model)  # type: ignore[method-assign]
    loaders.Loader.load_data_with_path = shared(load_data_with_path)  # type: ignore[method-assign]
    loaders.Loader._emoji_smith_shared = True  # type: ignore[attr-defined]


class _RetrySleeps:
    """Stands in for `time` in moto's retrier: records each backoff, optionally skips the wait."""

    def __init__(self, instant: bool) -> None:
        self.instant = instant
        self.waits: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        if not self.instant:
            time.sleep(seconds)


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
        share_botocore_models()
        _register_batch_package_lazily()
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
        self._invoker = _InProcessInvoker()
        if keep_succeeded is not None:
            self._invoker.trim_after_idle = IDLE_SECONDS_BEFORE_TRIM
        self.retry_sleeps = _RetrySleeps(instant_retries)
        self.function_names: dict[str, str] = {}
        self.skipped: dict[str, str] = {}
        self.physical_ids: dict[str, str] = {}
        self.state_machine_arn = ""
        self.event_rules: list[EventRule] = []
        self._functions: dict[str, tuple[str, dict[str, str], LocalLambdaContext]] = {}
        self._clients: dict[str, Any] = {}
        self._clients_lock = threading.Lock()
        self._closing = False

    # -- lifecycle --------------------------------------------------------------------------------
    _active: LocalAWS | None = None

    def __enter__(self) -> LocalAWS:
        if LocalAWS._active is not None:
            raise LocalRuntimeError("One LocalAWS at a time per process: moto's state is global.")
        LocalAWS._active = self
        from moto.stepfunctions.parser.asl.component.common.retry import retrier_decl

        os.environ.setdefault("AWS_DEFAULT_REGION", REGION)
        self._saved_process_variables = {key: os.environ.get(key) for key in PROCESS_VARIABLES}
        for key, value in self._process_variables().items():
            os.environ[key] = value
        self._saved_invoke = LambdaFunction._invoke_lambda
        self._saved_time = retrier_decl.time  # type: ignore[attr-defined]
        invoker = self._invoker

        def invoke_in_process(self: LambdaFunction, event: Any = None) -> tuple[str, bool, str]:
            return invoker(self, event)

        LambdaFunction._invoke_lambda = invoke_in_process  # type: ignore[method-assign]
        # Imported here, after moto.batch is registered lazily: it loads moto's ASL interpreter.
        from emoji_smith_local import moto_redrive

        moto_redrive.check()
        moto_redrive.install(self._on_execution_finished)
        retrier_decl.time = self.retry_sleeps  # type: ignore[attr-defined,assignment]
        logging.getLogger("moto.stepfunctions.parser").setLevel(logging.CRITICAL)
        self._mock.start()
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
        from emoji_smith_local import moto_redrive

        moto_redrive.uninstall()
        for key, value in self._saved_process_variables.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        LocalAWS._active = None
        LambdaFunction._invoke_lambda = self._saved_invoke  # type: ignore[method-assign]
        from moto.stepfunctions.parser.asl.component.common.retry import retrier_decl

        retrier_decl.time = self._saved_time  # type: ignore[attr-defined]

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
        from emoji_smith.adapters.dynamodb_job_repository import DynamoDBJobRepository

        return DynamoDBJobRepository(self.physical_ids["JobsTable"])

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
        return dict(self._functions[logical_id][1])

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
        handler, variables, context = self._functions[logical_id]
        result, _ = self._invoker.run(handler, variables, context, dict(event))
        return dict(result)

    def invoke(self, logical_id: str, event: Mapping[str, Any]) -> dict[str, Any]:
        """Invoke a deployed function as AWS would (through the Lambda API) and return its
        result; a handler's exception comes back as Lambda's error document."""
        response = self.client("lambda").invoke(
            FunctionName=self.function_names[logical_id], Payload=json.dumps(dict(event))
        )
        result: dict[str, Any] = json.loads(response["Payload"].read())
        return result

    def executions(self) -> list[dict[str, Any]]:
        listed: list[dict[str, Any]] = self.client("stepfunctions").list_executions(
            stateMachineArn=self.state_machine_arn
        )["executions"]
        return listed

    def execution_arn(self, name: str) -> str:
        from emoji_smith.domain.naming import execution_arn

        return execution_arn(self.state_machine_arn, name)

    def images(self) -> ImageStore:
        from emoji_smith.adapters.s3_image_store import S3ImageStore

        return S3ImageStore(self.physical_ids["ImagesBucket"])

    @property
    def invocations(self) -> list[str]:
        """Function names in the order they were invoked."""
        return self._invoker.invocations

    # -- deploy -----------------------------------------------------------------------------------
    def _deploy(self) -> None:
        template = load_template(self._template_path)
        parameters = {
            name: spec.get("Default") for name, spec in template.get("Parameters", {}).items()
        } | self._parameter_overrides
        resolver = Resolver(
            parameters=parameters,
            pseudo={
                "AWS::Region": REGION,
                "AWS::AccountId": ACCOUNT_ID,
                "AWS::StackName": STACK_NAME,
                "AWS::Partition": "aws",
                "AWS::URLSuffix": "amazonaws.com",
            },
        )
        resources: dict[str, dict[str, Any]] = template["Resources"]
        role_arn = self.client("iam").create_role(
            RoleName=f"{STACK_NAME}-role", AssumeRolePolicyDocument="{}"
        )["Role"]["Arn"]
        # Create what can be resolved, pass after pass: the state machine needs the step
        # functions' ARNs, and the webhook needs the state machine's.
        pending = dict(resources)
        while pending:
            deferred: dict[str, dict[str, Any]] = {}
            for logical_id, resource in pending.items():
                try:
                    self._create(logical_id, resource, template, role_arn, resolver)
                except UnresolvedReference:
                    deferred[logical_id] = resource
            if len(deferred) == len(pending):
                raise LocalRuntimeError(f"Cannot resolve references of {sorted(deferred)}")
            pending = deferred

    def _create(
        self,
        logical_id: str,
        resource: dict[str, Any],
        template: dict[str, Any],
        role_arn: str,
        resolver: Resolver,
    ) -> None:
        kind = resource["Type"]
        properties = resource.get("Properties", {})
        if kind == "AWS::DynamoDB::Table":
            self._create_table(logical_id, properties, resolver)
        elif kind == "AWS::S3::Bucket":
            self._create_bucket(logical_id, resolver)
        elif kind == FUNCTION_TYPE:
            globals_ = template.get("Globals", {}).get("Function", {})
            self._create_function(logical_id, globals_, properties, role_arn, resolver)
        elif kind == STATE_MACHINE_TYPE:
            self._create_state_machine(logical_id, properties, role_arn, resolver)
        else:
            self.skipped[logical_id] = NOT_DEPLOYED_LOCALLY.get(kind, f"{kind}: AWS only")
            resolver.refs.setdefault(logical_id, self._name(logical_id))

    def _name(self, logical_id: str) -> str:
        return f"{STACK_NAME}-{logical_id}"

    def _create_table(
        self, logical_id: str, properties: dict[str, Any], resolver: Resolver
    ) -> None:
        name = self._name(logical_id)
        self.client("dynamodb").create_table(
            TableName=name,
            AttributeDefinitions=resolver.resolve(properties["AttributeDefinitions"]),
            KeySchema=resolver.resolve(properties["KeySchema"]),
            BillingMode="PAY_PER_REQUEST",
        )
        self._register(
            resolver, logical_id, name, f"arn:aws:dynamodb:{REGION}:{ACCOUNT_ID}:table/{name}"
        )

    def _create_bucket(self, logical_id: str, resolver: Resolver) -> None:
        name = self._name(logical_id).lower()
        self.client("s3").create_bucket(Bucket=name)
        self._register(resolver, logical_id, name, f"arn:aws:s3:::{name}")

    def _create_function(
        self,
        logical_id: str,
        globals_: dict[str, Any],
        properties: dict[str, Any],
        role_arn: str,
        resolver: Resolver,
    ) -> None:
        merged = {**globals_, **properties}
        rules = function_rules(logical_id, properties, resolver)
        variables = {
            **globals_.get("Environment", {}).get("Variables", {}),
            **properties.get("Environment", {}).get("Variables", {}),
        }
        environment = {
            key: str(value)
            for key, value in resolver.resolve(variables).items()
            if key not in AWS_ONLY_VARIABLES
        } | self._overrides
        name = self._name(logical_id)
        arn = self.client("lambda").create_function(
            FunctionName=name,
            Runtime=merged["Runtime"],
            Role=role_arn,
            Handler=merged["Handler"],
            Code={"ZipFile": _placeholder_zip()},
            Timeout=int(merged.get("Timeout", 3)),
            MemorySize=int(merged.get("MemorySize", 128)),
            Environment={"Variables": environment},
        )["FunctionArn"]
        self.function_names[logical_id] = name
        self._functions[logical_id] = (
            str(merged["Handler"]),
            environment,
            LocalLambdaContext(name, int(merged.get("MemorySize", 128)), arn),
        )
        self.event_rules.extend(rules)
        self._register(resolver, logical_id, name, arn)

    def _create_state_machine(
        self, logical_id: str, properties: dict[str, Any], role_arn: str, resolver: Resolver
    ) -> None:
        definition = (PROJECT_ROOT / properties["DefinitionUri"]).read_text(encoding="utf-8")
        for key, value in resolver.resolve(properties.get("DefinitionSubstitutions", {})).items():
            definition = definition.replace("${" + key + "}", str(value))
        name = self._name(logical_id)
        self.state_machine_arn = self.client("stepfunctions").create_state_machine(
            name=name,
            definition=definition,
            roleArn=role_arn,
            type=properties.get("Type", "STANDARD"),
        )["stateMachineArn"]
        resolver.refs[logical_id] = self.state_machine_arn
        resolver.attributes[(logical_id, "Name")] = name
        resolver.attributes[(logical_id, "Arn")] = self.state_machine_arn
        self.physical_ids[logical_id] = self.state_machine_arn

    def _register(self, resolver: Resolver, logical_id: str, name: str, arn: str) -> None:
        resolver.refs[logical_id] = name
        resolver.attributes[(logical_id, "Arn")] = arn
        self.physical_ids[logical_id] = name

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
        from emoji_smith_local import moto_redrive

        return moto_redrive.execution_history(ACCOUNT_ID, REGION, execution_arn)

    def redrive(self, execution_arn: str) -> None:
        self.client("stepfunctions").redrive_execution(executionArn=execution_arn)

    def backdate(self, execution_arn: str, by: timedelta) -> None:
        """Pretend an ended execution stopped `by` earlier (tests of the redrive window)."""
        from emoji_smith_local import moto_redrive

        moto_redrive.backdate(ACCOUNT_ID, REGION, execution_arn, by)

    def wait(self, execution_arn: str, timeout_seconds: float = 120.0) -> dict[str, Any]:
        """The execution once it has ended and its status-change event has been delivered."""
        deadline = time.monotonic() + timeout_seconds
        while True:
            description = self.describe(execution_arn)
            if description["status"] in TERMINAL and not _settling(execution_arn):
                return description
            if time.monotonic() > deadline:
                raise TimeoutError(f"{execution_arn} still {description['status']}")
            time.sleep(0.005)

    # -- EventBridge ------------------------------------------------------------------------------
    def _on_execution_finished(self, execution: Any) -> None:
        """What EventBridge does with the execution's status change: each matching rule's
        target function is invoked (a failed delivery is tried again, as Lambda's async
        invocation does)."""
        if self._closing:
            return  # runs stopped because this runtime is closing are not operator aborts
        if self._keep_succeeded is not None and execution.exec_status.value == "SUCCEEDED":
            from emoji_smith_local import moto_redrive

            moto_redrive.forget_succeeded(
                ACCOUNT_ID, REGION, self.state_machine_arn, self._keep_succeeded
            )
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
    from emoji_smith_local import moto_redrive

    return moto_redrive.is_settling(execution_arn)


def _placeholder_zip() -> bytes:
    """moto wants a code package; the real code runs in-process from `functions/`."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("README.txt", "Runs in-process: see emoji_smith_local.runtime")
    return buffer.getvalue()
