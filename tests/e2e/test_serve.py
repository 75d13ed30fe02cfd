"""`emoji-smith serve`: a signed shortcut and submission over real HTTP to a fresh process."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from fakes.fake_slack import BOT_TOKEN, FakeSlack
from fakes.slack_payloads import SIGNING_SECRET, form, shortcut, sign, submission


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def server(tmp_path: Path, slack: FakeSlack) -> Iterator[str]:
    port = free_port()
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "SLACK_"))},
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_API_BASE_URL": slack.base_url,
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "emoji_smith_local.cli", "serve", "--port", str(port)],
        cwd=tmp_path,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert process.stdout is not None
        banner = process.stdout.readline()
        assert f"http://127.0.0.1:{port}/slack/events" in banner, banner
        yield f"http://127.0.0.1:{port}/slack/events"
    finally:
        process.terminate()
        process.wait(timeout=10)


def send(url: str, body: bytes, signed: bool = True) -> tuple[int, bytes]:
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": timestamp,
    }
    if signed:
        headers["X-Slack-Signature"] = sign(body, timestamp)
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def test_a_shortcut_and_a_submission_end_with_the_emoji_posted(
    server: str, slack: FakeSlack
) -> None:
    # WHEN Slack sends the signed shortcut
    status, _ = send(server, form(shortcut(slack.response_url())))
    # THEN the modal was opened
    assert status == 200
    view = slack.params(slack.calls("views.open")[0])["view"]
    # WHEN the member submits it
    status, body = send(server, form(submission(view, "V-serve", description="ship it")))
    assert (status, json.loads(body)) == (200, {"response_action": "clear"})
    # THEN the emoji is shared in the thread and the member told, within the workflow's time
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not slack.calls("files.completeUploadExternal"):
        time.sleep(0.05)
    assert slack.calls("files.completeUploadExternal")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and len(slack.responses()) < 2:
        time.sleep(0.05)
    assert slack.responses()[-1]["text"].startswith("Your emoji is ready")


def test_an_unsigned_request_is_refused(server: str, slack: FakeSlack) -> None:
    status, _ = send(server, form(shortcut(slack.response_url())), signed=False)
    assert status == 401
    assert slack.requests == []


def test_ops_talks_to_a_running_serve(server: str, tmp_path: Path) -> None:
    base = server.removesuffix("/slack/events")
    result = subprocess.run(
        [sys.executable, "-m", "emoji_smith_local.cli", "ops", "--serve", base, "circuit"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert json.loads(result.stdout)["open"] is False
    missing = subprocess.run(
        [
            sys.executable,
            "-m",
            "emoji_smith_local.cli",
            "ops",
            "--serve",
            "http://127.0.0.1:9",
            "failed",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert missing.returncode == 1
    assert "No `emoji-smith serve`" in missing.stdout
