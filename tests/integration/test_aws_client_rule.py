"""One rule picks the client of every AWS call that can go either way (`through_boto3`): the
settings store, the installation store, the workflow's start and the modal's quota read each go
through the signed standard-library client or through boto3 as the rule says, and nothing else
decides (not
whether boto3 happens to be loaded: in this process it always is). Each client reads what the
other wrote, on moto's server."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import pytest

from emoji_smith.adapters import aws_clients
from emoji_smith.adapters.dynamodb_installation_store import DynamoDBInstallationStore
from emoji_smith.adapters.dynamodb_settings_store import DynamoDBSettingsStore
from emoji_smith.adapters.dynamodb_usage_ledger import DynamoDBUsageLedger
from emoji_smith.adapters.http_connections import post
from emoji_smith.adapters.sfn_workflow import StepFunctionsWorkflow
from emoji_smith.domain.installations import Installation
from emoji_smith.domain.quotas import Charge, Limits, Period

ADAPTERS = ["settings", "installations", "workflow"]
INSTALL = Installation(
    team_id="T1",
    enterprise_id=None,
    bot_user_id="UBOT",
    bot_scopes=("commands",),
    installer_user_id="U1",
    installed_at=1_800_000_000,
    app_id="A1",
    bot_token="xoxb-1",
)


class Adapter:
    """One adapter's write and a read that shows the write arrived."""

    def __init__(self, kind: str, request: pytest.FixtureRequest) -> None:
        self.kind = kind
        if kind == "settings":
            self.settings = DynamoDBSettingsStore(request.getfixturevalue("settings_table"))
        elif kind == "installations":
            table = request.getfixturevalue("dynamodb_table")("InstallationsTable")
            self.installations = DynamoDBInstallationStore(table)
        else:
            self.workflow = StepFunctionsWorkflow(request.getfixturevalue("state_machine")[1])

    def write(self) -> None:
        if self.kind == "settings":
            self.settings.save("T1", {"image_quality": "low"}, "UA", 1_800_000_000)
        elif self.kind == "installations":
            self.installations.save(INSTALL)
        else:
            assert self.workflow.start("T1-V1", {"job_id": "j"})

    def written(self) -> bool:
        if self.kind == "settings":
            return (self.settings.saved("T1") or {}).get("image_quality") == "low"
        if self.kind == "installations":
            return self.installations.find("T1") == INSTALL
        # another input under the started run's name: refused (ExecutionAlreadyExists)
        return not self.workflow.start("T1-V1", {"job_id": "other"})


def watch_boto3(calls: dict[str, list[str]]) -> None:
    """Counts the calls of the boto3 clients the adapters use (built now, kept by the cache)."""

    def record(model: Any, **_: Any) -> None:
        calls["boto3"].append(model.name)

    for client in (aws_clients.dynamodb_client(), aws_clients.stepfunctions_client()):
        client.meta.events.register("before-call", record)


@pytest.fixture
def sent(aws_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, list[str]]:
    """The operations each client sent (the real calls, counted on their way to moto)."""
    calls: dict[str, list[str]] = {"signed": [], "boto3": []}

    def signed(url: str, body: bytes, headers: dict[str, str], timeout: float) -> Any:
        calls["signed"].append(headers["x-amz-target"].split(".")[-1])
        return post(url, body, headers, timeout)

    monkeypatch.setattr("emoji_smith.adapters.aws_signed_json.post", signed)
    watch_boto3(calls)  # aws_endpoint drops these clients after the test
    return calls


def used(calls: dict[str, list[str]]) -> set[str]:
    return {client for client, operations in calls.items() if operations}


@pytest.mark.parametrize("writer", ["signed", "boto3"])
@pytest.mark.parametrize("kind", ADAPTERS)
def test_each_adapter_calls_aws_through_the_client_the_rule_names(
    kind: str,
    writer: str,
    request: pytest.FixtureRequest,
    sent: dict[str, list[str]],
    aws_client: Callable[[str], None],
) -> None:
    adapter = Adapter(kind, request)
    reader = "boto3" if writer == "signed" else "signed"
    # GIVEN the rule naming one client
    aws_client(writer)
    # WHEN the adapter writes
    adapter.write()
    # THEN it went through that client only
    assert used(sent) == {writer}
    # AND once the rule names the other, the adapter reads it back through the other only
    sent[writer].clear()
    aws_client(reader)
    assert adapter.written()
    assert used(sent) == {reader}


@pytest.mark.parametrize("kind", ADAPTERS)
def test_credentials_from_a_profile_go_through_boto3(
    kind: str,
    request: pytest.FixtureRequest,
    sent: dict[str, list[str]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    adapter = Adapter(kind, request)
    # GIVEN a developer's shell (an operator command against a stack): the credentials and the
    # region in a profile's files, not in the environment as Lambda sets them
    (tmp_path / "credentials").write_text(
        "[default]\naws_access_key_id = profile\naws_secret_access_key = profile\n"
    )
    (tmp_path / "config").write_text("[default]\nregion = us-east-1\n")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION", "AWS_DEFAULT_REGION"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(boto3, "DEFAULT_SESSION", None)  # it read the environment's
    aws_clients.dynamodb_client.cache_clear()
    aws_clients.stepfunctions_client.cache_clear()
    watch_boto3(sent)  # the clients built from the profile
    # WHEN the adapter writes and reads
    adapter.write()
    # THEN both worked, through boto3 (the signed client knows no profile)
    assert adapter.written()
    assert used(sent) == {"boto3"}


@pytest.mark.parametrize("reader", ["signed", "boto3"])
def test_the_modals_quota_read_goes_through_the_client_the_rule_names(
    reader: str,
    request: pytest.FixtureRequest,
    sent: dict[str, list[str]],
    aws_client: Callable[[str], None],
) -> None:
    # GIVEN a member's reservation (Validate's transaction: boto3, in the steps' package)
    ledger = DynamoDBUsageLedger(request.getfixturevalue("dynamodb_table")("UsageTable"))
    period = Period.at(datetime(2026, 12, 4, 12, tzinfo=UTC))
    charge = Charge("T1", "U1", 2, 0.08, period.day, period.month)
    assert ledger.reserve(charge, Limits(5, 10.0), period) is None
    sent["boto3"].clear()
    # WHEN the webhook reads what the member has spent, with the rule naming one client
    aws_client(reader)
    figures = ledger.spent("T1", "U1", period)
    # THEN the reservation is read back through that client only
    assert figures == (2, 0.08)
    assert used(sent) == {reader}
