"""Retention on the embedded AWS: Slack's app_uninstalled (signed, through the webhook) deletes
that workspace's jobs, images, usage and settings after the answer, and no other workspace's;
`emoji-smith ops forget-member` deletes one member's jobs, images and usage, and no one else's."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_slack_app import post, slack_environment

from emoji_smith.adapters.dynamodb_settings_store import DynamoDBSettingsStore
from emoji_smith_local.cli import main
from emoji_smith_local.runtime import LocalAWS
from emoji_smith_local.server import OPS_TOKEN_VARIABLE, make_server
from fakes.fake_openai import FakeOpenAI
from fakes.fake_slack import FakeSlack
from fakes.slack_payloads import function_url_event

OPS_TOKEN = "ops-token-for-retention-tests"


@pytest.fixture
def aws(fake_slack: FakeSlack, fake_openai: FakeOpenAI, outbox: Path) -> Iterator[LocalAWS]:
    environment = slack_environment(fake_slack, outbox) | fake_openai.app_environment()
    with LocalAWS(instant_retries=True, environment=environment) as local:
        yield local


def make(aws: LocalAWS, team: str, user: str, **request: Any) -> str:
    """A delivered AI job (billed: usage counted) with its images in the bucket."""
    job_id = f"r-{team}-{user}-{uuid.uuid4().hex[:6]}"
    asked = {"description": "a cat", "style": "cartoon", "team_id": team, "user_id": user}
    ended = aws.wait(aws.start(asked | request, job_id), timeout_seconds=60)
    assert ended["status"] == "SUCCEEDED", ended
    return job_id


def stored(aws: LocalAWS) -> dict[str, Any]:
    """Everything the stack keeps, by kind."""
    client = aws.client("dynamodb")
    jobs = client.scan(TableName=aws.physical_ids["JobsTable"], ConsistentRead=True)["Items"]
    usage = client.scan(TableName=aws.physical_ids["UsageTable"], ConsistentRead=True)["Items"]
    listed = aws.client("s3").list_objects_v2(Bucket=aws.physical_ids["ImagesBucket"])
    return {
        "jobs": {item["job_id"]["S"] for item in jobs},
        "usage": {item["key"]["S"] for item in usage},
        "images": {o["Key"] for o in listed.get("Contents", [])},
    }


def of(job_id: str, images: set[str]) -> set[str]:
    return {key for key in images if f"/{job_id}/" in key or key.endswith(f"/{job_id}")}


def uninstalled(team: str, kind: str = "app_uninstalled", **event: Any) -> dict[str, Any]:
    body = json.dumps(
        {
            "type": "event_callback",
            "team_id": team,
            "api_app_id": "A1",
            "event": {"type": kind, **event},
            "event_id": f"Ev{uuid.uuid4().hex[:8]}",
            "event_time": int(time.time()),
        }
    ).encode()
    return function_url_event(body, "application/json")


def eventually(check: Any, seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "not within the time allowed"
        time.sleep(0.05)


def test_an_uninstall_deletes_that_workspaces_data_and_no_other(aws: LocalAWS) -> None:
    # GIVEN two workspaces with delivered jobs (one animated: stills and GIFs), usage and
    # saved settings
    gone = [make(aws, "T1", "U1", options=1, animation="spin"), make(aws, "T1", "U2")]
    kept = make(aws, "T2", "U1")
    settings = DynamoDBSettingsStore(aws.physical_ids["SettingsTable"])
    for team in ("T1", "T2"):
        settings.save(team, {"image_quality": "low"}, by="UADMIN", at=1)
    before = stored(aws)
    assert all(of(job, before["images"]) for job in [*gone, kept])
    assert any("#T1#" in key for key in before["usage"])
    # WHEN Slack says the app was uninstalled from T1 (a signed event through the webhook)
    started = time.monotonic()
    answer = post(aws, uninstalled("T1"))
    answered_in = time.monotonic() - started
    # THEN the event is answered at once, and within moments T1's data is gone
    assert answer["statusCode"] == 200, answer
    assert answered_in < 1.0
    eventually(lambda: not set(gone) & stored(aws)["jobs"])
    eventually(lambda: settings.saved("T1") is None)
    after = stored(aws)
    assert not any(of(job, after["images"]) for job in gone)
    assert not any("#T1#" in key for key in after["usage"])
    # AND T2's job, images, usage and settings are untouched
    assert kept in after["jobs"]
    assert of(kept, after["images"]) == of(kept, before["images"])
    assert {k for k in after["usage"] if "#T2#" in k} == {k for k in before["usage"] if "#T2#" in k}
    assert settings.saved("T2") is not None


def test_revoked_bot_tokens_delete_the_workspace_and_a_members_own_do_not(aws: LocalAWS) -> None:
    # GIVEN a workspace with a job
    job = make(aws, "T3", "U1")
    # WHEN only a member's own token is revoked
    assert (
        post(aws, uninstalled("T3", "tokens_revoked", tokens={"oauth": ["U1"]}))["statusCode"]
        == 200
    )
    time.sleep(0.5)
    # THEN nothing is deleted (the app is still installed)
    assert job in stored(aws)["jobs"]
    # WHEN the bot's token is revoked
    revoked = uninstalled("T3", "tokens_revoked", tokens={"oauth": [], "bot": ["UBOT"]})
    assert post(aws, revoked)["statusCode"] == 200
    # THEN the workspace's data is deleted
    eventually(lambda: job not in stored(aws)["jobs"])


@pytest.fixture
def ops_url(aws: LocalAWS, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The embedded stack's operator endpoints, as `emoji-smith serve` offers them."""
    server = make_server("127.0.0.1", 0, aws.physical_ids, OPS_TOKEN)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv(OPS_TOKEN_VARIABLE, OPS_TOKEN)
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def forget(url: str, capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, Any]:
    capsys.readouterr()
    assert main(["ops", "--serve", url, "forget-member", *args]) == 0
    out = capsys.readouterr().out
    printed: dict[str, Any] = json.loads(out[out.index("{\n") :])  # after serve's access log
    return printed


def test_forget_member_deletes_one_members_jobs_images_and_usage(
    aws: LocalAWS, ops_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN two members of T1 and the same member in T2, each with a delivered job
    mine = make(aws, "T1", "U1", animation="party")
    theirs = make(aws, "T1", "U2")
    elsewhere = make(aws, "T2", "U1")
    before = stored(aws)
    # WHEN the operator forgets U1 in T1, through the CLI
    printed = forget(ops_url, capsys, "U1", "--team", "T1")
    # THEN it says what it removed: the job, its images, the member's counters
    removed = printed["removed"]
    assert removed["jobs"] == [mine]
    assert set(removed["images"]) == of(mine, before["images"]) != set()
    assert removed["usage"]
    assert all("#T1#U1#" in key for key in removed["usage"])
    assert printed["summary"].startswith("Removed 1 job, ")
    # AND they are gone, while U2's job and U1's job in T2 stay with their images
    after = stored(aws)
    assert mine not in after["jobs"]
    assert not of(mine, after["images"])
    assert {theirs, elsewhere} <= after["jobs"]
    assert of(theirs, after["images"])
    assert of(elsewhere, after["images"])
    assert any("#T1#U2#" in key for key in after["usage"])
    assert any("#T2#U1#" in key for key in after["usage"])
    # WHEN asked again, the member has nothing left there, and it says so
    again = forget(ops_url, capsys, "U1", "--team", "T1")
    assert again["summary"] == "Nothing stored for member U1 in workspace T1: nothing removed."
    # AND without --team, the member is forgotten in every workspace
    everywhere = forget(ops_url, capsys, "U1")
    assert everywhere["removed"]["jobs"] == [elsewhere]
