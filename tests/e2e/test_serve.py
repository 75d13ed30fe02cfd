"""`emoji-smith serve`: a signed shortcut and submission over real HTTP to a fresh process."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from fakes.fake_slack import BOT_TOKEN, FakeSlack
from fakes.slack_payloads import SIGNING_SECRET, form, shortcut, sign, submission


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


OPS_TOKEN = "ops-secret-for-tests"


@contextmanager
def serve(tmp_path: Path, slack: FakeSlack, **extra: str) -> Iterator[str]:
    """A fresh `emoji-smith serve` process; yields its events URL."""
    port = free_port()
    environment = {
        **{
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("OPENAI_", "SLACK_", "EMOJI_SMITH_OPS"))
        },
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_API_BASE_URL": slack.base_url,
        **extra,
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


@pytest.fixture
def server(tmp_path: Path, slack: FakeSlack) -> Iterator[str]:
    with serve(tmp_path, slack, EMOJI_SMITH_OPS_TOKEN=OPS_TOKEN) as url:
        yield url


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
        env={**os.environ, "EMOJI_SMITH_OPS_TOKEN": OPS_TOKEN},
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
        env={**os.environ, "EMOJI_SMITH_OPS_TOKEN": OPS_TOKEN},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert missing.returncode == 1
    assert "No `emoji-smith serve`" in missing.stdout


def raw_request(url: str, head: str, body: bytes = b"") -> int:
    """The status line's code for a hand-written request (headers a client would not send)."""
    parts = urllib.parse.urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as connection:
        connection.sendall(head.replace("\n", "\r\n").encode() + b"\r\n" + body)
        return int(connection.recv(200).split()[1])


@pytest.mark.parametrize(
    ("length_header", "expected"),
    [("Content-Length: -1\n", 400), ("Content-Length: abc\n", 400), ("", 411)],
    ids=["negative", "not-a-number", "missing"],
)
def test_a_body_length_that_is_not_a_length_is_refused(
    server: str, length_header: str, expected: int
) -> None:
    path = urllib.parse.urlsplit(server).path
    head = f"POST {path} HTTP/1.1\nHost: x\n{length_header}Connection: close\n"
    assert raw_request(server, head, b"payload=x") == expected


def test_a_body_over_the_limit_is_refused_before_it_is_read(server: str) -> None:
    # GIVEN a request that announces 200 MiB and sends none of it
    path = urllib.parse.urlsplit(server).path
    head = f"POST {path} HTTP/1.1\nHost: x\nContent-Length: {200 * 2**20}\n"
    # THEN the answer is 413 at once (not a 401 after reading it all)
    assert raw_request(server, head) == 413


def test_a_signed_shortcut_on_a_long_message_is_accepted(server: str, slack: FakeSlack) -> None:
    body = form(shortcut(slack.response_url(), text="絵文字" * 3334))
    assert len(body) > 64 * 1024
    status, _ = send(server, body)
    assert status == 200
    assert len(slack.calls("views.open")) == 1


def ops_call(server: str, method: str, token: str | None) -> int:
    url = server.removesuffix("/slack/events") + "/ops/circuit?reset=1"
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    request = urllib.request.Request(url, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return error.code


def test_operator_endpoints_need_post_and_the_token(server: str) -> None:
    assert ops_call(server, "GET", OPS_TOKEN) == 405
    assert ops_call(server, "POST", None) == 401
    assert ops_call(server, "POST", "wrong") == 401
    assert ops_call(server, "POST", OPS_TOKEN) == 200


def test_without_a_token_serve_has_no_operator_endpoints(tmp_path: Path, slack: FakeSlack) -> None:
    with serve(tmp_path, slack) as url:
        assert ops_call(url, "POST", "anything") == 404
        assert ops_call(url, "GET", None) == 404


def listening(url: str) -> bool:
    import socket
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    with socket.socket() as probe:
        probe.settimeout(0.5)
        return probe.connect_ex((str(parts.hostname), int(parts.port or 80))) == 0


def test_stopping_serve_stops_its_webhook_too(tmp_path: Path, slack: FakeSlack) -> None:
    # GIVEN a running serve (the embedded AWS here, its webhook front in a child process)
    with serve(tmp_path, slack) as url:
        assert listening(url)
    # WHEN it is stopped the way `kill` does (SIGTERM, in the context manager's exit)
    # THEN nothing is left answering on the port
    deadline = time.monotonic() + 5
    while listening(url) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not listening(url), "the webhook outlived serve"
