"""`emoji-smith serve`: a signed shortcut and submission over real HTTP to a fresh process."""

from __future__ import annotations

import base64
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

from emoji_smith_local.server import MAX_CONNECTIONS, MAX_WORKERS, READ_SECONDS
from fakes.fake_slack import BOT_TOKEN, FakeSlack
from fakes.slack_payloads import (
    SIGNING_SECRET,
    form,
    home_opened,
    shortcut,
    sign,
    submission,
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


OPS_TOKEN = "ops-secret-for-tests"
#: The running `serve` processes, by their events URL.
SERVING: dict[str, subprocess.Popen[str]] = {}


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
        url = f"http://127.0.0.1:{port}/slack/events"
        assert url in banner, banner
        SERVING[url] = process
        yield url
    finally:
        SERVING.pop(f"http://127.0.0.1:{port}/slack/events", None)
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


def test_the_home_is_published_after_the_answer_once_per_event(
    server: str, slack: FakeSlack
) -> None:
    # GIVEN one app_home_opened event, sent and then resent by Slack, as serve receives them
    # (its webhook in its own process, the embedded AWS in serve's)
    sent = [home_opened("UHOME", "EvSERVE01", retry) for retry in (0, 1)]
    for event in sent:
        request = urllib.request.Request(
            server, data=base64.b64decode(event["body"]), headers=event["headers"], method="POST"
        )
        # WHEN each reaches serve
        with urllib.request.urlopen(request, timeout=30) as response:
            # THEN each is answered
            assert response.status == 200
    # AND the Home is published, by PublishHome (invoked asynchronously), once
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not slack.calls("views.publish"):
        time.sleep(0.05)
    time.sleep(1.0)  # time for a second publish, if the resend made one
    (published,) = slack.calls("views.publish")
    assert slack.params(published)["user_id"] == "UHOME"


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


def ops_cli(server: str, *arguments: str) -> subprocess.CompletedProcess[str]:
    base = server.removesuffix("/slack/events")
    return subprocess.run(
        [sys.executable, "-m", "emoji_smith_local.cli", "ops", "--serve", base, *arguments],
        env={**os.environ, "EMOJI_SMITH_OPS_TOKEN": OPS_TOKEN},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_replaying_a_job_serve_does_not_know_says_no_such_job(server: str) -> None:
    # WHEN the operator replays a job that never ran
    result = ops_cli(server, "replay", "never-ran")
    # THEN the CLI says so and exits 1 (the endpoint answered; the connection was not dropped)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "no such job: never-ran" in result.stdout
    assert "RemoteDisconnected" not in result.stdout + result.stderr
    # AND serve still answers afterwards
    assert ops_cli(server, "circuit").returncode == 0


def webhook_process(url: str) -> int:
    """The pid of serve's webhook front (its child process)."""
    pid = SERVING[url].pid
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    assert len(children) == 1, children
    return int(children[0])


def threads_of(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(next(line for line in status.splitlines() if line.startswith("Threads:")).split()[1])


def slow_loris(url: str, count: int) -> list[socket.socket]:
    """Connections that send the start of a request, and then nothing."""
    parts = urllib.parse.urlsplit(url)
    connections = []
    for _ in range(count):
        connection = socket.create_connection((str(parts.hostname), int(parts.port or 80)))
        connection.sendall(f"POST {parts.path} HTTP/1.1\r\nHost: x\r\nX-Slow: ".encode())
        connections.append(connection)
    return connections


def closed_by_server(connection: socket.socket, within: float) -> bool:
    connection.settimeout(within)
    try:
        return connection.recv(1) == b""
    except TimeoutError:
        return False
    except ConnectionResetError:
        return True


def test_a_shortcut_opens_its_modal_during_a_slow_loris_and_threads_stay_capped(
    server: str, slack: FakeSlack
) -> None:
    # GIVEN 200 connections that each send half a request and then hold on
    loris = slow_loris(server, 200)
    try:
        # WHEN a signed shortcut arrives meanwhile
        status, _ = send(server, form(shortcut(slack.response_url())))
        # THEN it is answered and its modal opened
        assert status == 200
        assert len(slack.calls("views.open")) == 1
        # AND the webhook holds no thread for the waiting connections
        assert threads_of(webhook_process(server)) <= MAX_WORKERS + 4
        # AND each of them is closed once its time to send the request is over
        assert all(closed_by_server(c, READ_SECONDS + 5) for c in loris)
    finally:
        for connection in loris:
            connection.close()


def test_connections_over_the_cap_make_room_and_a_shortcut_still_gets_in(
    server: str, slack: FakeSlack
) -> None:
    # GIVEN more idle connections than the cap on open connections
    parts = urllib.parse.urlsplit(server)
    idle = [
        socket.create_connection((str(parts.hostname), int(parts.port or 80)))
        for _ in range(MAX_CONNECTIONS + 50)
    ]
    try:
        # WHEN a signed shortcut arrives
        status, _ = send(server, form(shortcut(slack.response_url())))
        # THEN it gets in (the longest-waiting idle ones were closed) and its modal opens
        assert status == 200
        assert len(slack.calls("views.open")) == 1
        # AND the webhook has no more than the cap's file handles for connections
        pid = webhook_process(server)
        assert len(list(Path(f"/proc/{pid}/fd").iterdir())) <= MAX_CONNECTIONS + 32
        assert threads_of(pid) <= MAX_WORKERS + 4
    finally:
        for connection in idle:
            connection.close()
