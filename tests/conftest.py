"""Shared fixtures: the embedded AWS with instant (but recorded) retries."""

from __future__ import annotations

import io
import json
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from PIL import Image

from emoji_smith_local.runtime import LocalAWS
from fakes import block_kit
from fakes.fake_openai import FakeOpenAI
from fakes.fake_slack import FakeSlack

if TYPE_CHECKING:
    from mypy_boto3_stepfunctions import SFNClient


@pytest.fixture(autouse=True)
def new_containers() -> None:
    """Each test starts in new containers, as after a deployment: nothing a container trusted
    for a while (a workspace's settings, 5 s in the webhook's) carries over from another test."""
    from emoji_smith import bootstrap

    bootstrap.new_containers()


@pytest.fixture(scope="module")
def outbox(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("outbox")


@pytest.fixture(scope="module")
def local_aws(outbox: Path) -> Iterator[LocalAWS]:
    with LocalAWS(instant_retries=True, environment={"EMOJI_SMITH_OUTBOX_DIR": str(outbox)}) as aws:
        yield aws


#: One-line summaries suites want shown at the end of the run (the fault-injection suite's).
SUMMARY_LINES = pytest.StashKey[list[str]]()
#: Payloads the Block Kit schema judged in pytest-xdist's workers (`make check` runs in two).
WORKERS_CHECKED = pytest.StashKey[int]()


def pytest_sessionfinish(session: pytest.Session) -> None:
    """In an xdist worker: hand what the summary shows to the controller, which prints it."""
    output = getattr(session.config, "workeroutput", None)
    if output is not None:
        output["summary_lines"] = session.config.stash.get(SUMMARY_LINES, [])
        output["block_kit_checked"] = block_kit.checked()


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: object) -> None:
    """xdist's controller: a worker finished; add its summary to this process's."""
    output = getattr(node, "workeroutput", {})
    stash = node.config.stash
    stash.setdefault(SUMMARY_LINES, []).extend(output.get("summary_lines", []))
    stash[WORKERS_CHECKED] = stash.get(WORKERS_CHECKED, 0) + output.get("block_kit_checked", 0)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    stash = terminalreporter.config.stash
    for line in stash.get(SUMMARY_LINES, []):
        terminalreporter.write_line(line)
    checked = block_kit.checked() + stash.get(WORKERS_CHECKED, 0)
    terminalreporter.write_line(f"Slack payloads checked against the Block Kit schema: {checked}")


def rgba(image: Image.Image, xy: tuple[int, int]) -> tuple[int, ...]:
    """One pixel of an RGB(A) image as a tuple (Pillow types it more loosely)."""
    value = image.getpixel(xy)
    assert isinstance(value, tuple)
    return value


def decode(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


@pytest.fixture(scope="session")
def moto_server() -> Iterator[str]:
    """AWS on a local HTTP endpoint (moto's server), for code that calls AWS over HTTP itself
    (the secret reader) or from another process (the webhook package's checks)."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def aws_endpoint(moto_server: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """moto's server as this test's AWS: the variables set, and the adapters' cached clients
    dropped before and after (they were built for another endpoint)."""
    from emoji_smith.adapters.aws_clients import dynamodb_client, stepfunctions_client

    for key, value in {
        "AWS_ENDPOINT_URL": moto_server,
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
    }.items():
        monkeypatch.setenv(key, value)
    dynamodb_client.cache_clear()
    stepfunctions_client.cache_clear()
    yield moto_server
    dynamodb_client.cache_clear()
    stepfunctions_client.cache_clear()


@pytest.fixture
def aws_client(monkeypatch: pytest.MonkeyPatch) -> Callable[[str], None]:
    """Points the one rule (`aws_signed_json.through_boto3`) at a client for this test: "boto3"
    as where AWS runs in this process, or "signed" as in Lambda (aws_endpoint has put the
    credentials and region in the environment)."""
    from emoji_smith.adapters import aws_signed_json

    def use(kind: str) -> None:
        assert kind in ("signed", "boto3"), kind
        monkeypatch.setattr(aws_signed_json, "_aws_in_this_process", kind == "boto3")

    return use


@pytest.fixture
def state_machine(aws_endpoint: str) -> tuple[SFNClient, str]:
    """A state machine on moto's server whose runs wait a minute; its client and ARN."""
    import boto3

    client = boto3.client("stepfunctions", endpoint_url=aws_endpoint)
    definition = {
        "StartAt": "Wait",
        "States": {"Wait": {"Type": "Wait", "Seconds": 60, "End": True}},
    }
    arn = client.create_state_machine(
        name=f"emoji-{uuid.uuid4().hex[:8]}",
        definition=json.dumps(definition),
        roleArn="arn:aws:iam::123456789012:role/emoji-smith",
    )["stateMachineArn"]
    return client, arn


@pytest.fixture
def settings_table(aws_endpoint: str) -> str:
    """A new settings table (keyed by team) on moto's server."""
    import boto3

    name = f"settings-{uuid.uuid4().hex[:8]}"
    boto3.client("dynamodb", endpoint_url=aws_endpoint).create_table(
        TableName=name,
        AttributeDefinitions=[{"AttributeName": "team_id", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "team_id", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
    )
    return name


@pytest.fixture
def dynamodb_table(aws_endpoint: str) -> Callable[[str], str]:
    """Creates a fresh table as the template declares `logical_id` (keys and indexes)."""
    import boto3

    from emoji_smith_local.template import load_template

    client = boto3.client("dynamodb", endpoint_url=aws_endpoint)
    resources = load_template()["Resources"]

    def create(logical_id: str) -> str:
        properties: dict[str, Any] = resources[logical_id]["Properties"]
        name = f"{logical_id}-{uuid.uuid4().hex[:8]}"
        indexes = properties.get("GlobalSecondaryIndexes")
        client.create_table(
            TableName=name,
            AttributeDefinitions=properties["AttributeDefinitions"],
            KeySchema=properties["KeySchema"],
            BillingMode="PAY_PER_REQUEST",
            **({"GlobalSecondaryIndexes": indexes} if indexes else {}),
        )
        return name

    return create


@pytest.fixture(scope="session")
def fake_openai() -> Iterator[FakeOpenAI]:
    fake = FakeOpenAI(hang_seconds=2.0)
    with fake.running():
        yield fake


@pytest.fixture
def openai_service(fake_openai: FakeOpenAI) -> Iterator[FakeOpenAI]:
    """The fake OpenAI, emptied of earlier tests' requests and scripts."""
    fake_openai.reset()
    yield fake_openai
    fake_openai.reset()


@pytest.fixture(scope="session")
def fake_slack() -> Iterator[FakeSlack]:
    fake = FakeSlack()
    with fake.running():
        yield fake


@pytest.fixture
def slack(fake_slack: FakeSlack) -> Iterator[FakeSlack]:
    """The fake Slack, emptied of earlier tests' calls, faults and emoji."""
    fake_slack.reset()
    yield fake_slack
    fake_slack.reset()


def ended_as(execution: dict[str, object]) -> tuple[str, str]:
    """(status, name): an outcome's name from a SUCCEEDED run's output, else the run's error."""
    output = json.loads(str(execution.get("output") or "{}"))
    return str(execution["status"]), str(output.get("outcome") or execution.get("error") or "")
