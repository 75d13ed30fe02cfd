"""`emoji-smith serve` on a public tunnel: signed shortcuts during a slow-loris (connections
that send a request a byte at a time) and a crowd of idle connections, against a fresh serve.

Measured: how long each shortcut takes to open its modal, the webhook process's threads and
file handles while the attack runs, and how soon the slow connections are closed. Budgets:
every modal < 1 s, threads ≤ the request pool + 4, file handles ≤ the connection cap + 32.

    .venv/bin/python benchmarks/serve_slowloris.py [--slow 200] [--idle 1100]
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from math import nan
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "tests")]

from serve_load import free_port, post, wait_for  # noqa: E402

from emoji_smith_local.server import MAX_CONNECTIONS, MAX_WORKERS, READ_SECONDS  # noqa: E402
from fakes.fake_slack import BOT_TOKEN, FakeSlack  # noqa: E402
from fakes.slack_payloads import SIGNING_SECRET, form, shortcut  # noqa: E402

SHORTCUTS = 5


def proc_status(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    return 0


def webhook_pid(serve_pid: int) -> int:
    children = Path(f"/proc/{serve_pid}/task/{serve_pid}/children").read_text().split()
    return int(children[0])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--slow", type=int, default=200)
    parser.add_argument("--idle", type=int, default=1100)
    args = parser.parse_args()
    slack = FakeSlack()
    port = free_port()
    url = f"http://127.0.0.1:{port}/slack/events"
    stop = threading.Event()
    connections: list[socket.socket] = []
    closed_after: list[float] = []
    with slack.running(), tempfile.TemporaryDirectory() as work:
        environment = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "SLACK_"))},
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_API_BASE_URL": slack.base_url,
        }
        serve = subprocess.Popen(
            [sys.executable, "-m", "emoji_smith_local.cli", "serve", "--port", str(port)],
            cwd=work,
            env=environment,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            assert wait_for(lambda: post(url, b"ssl_check=1")[0] == 200, 30), "serve did not start"
            post(url, form(shortcut(slack.response_url())))  # warm: the first one imports
            webhook = webhook_pid(serve.pid)
            # The slow-loris alone (under the connection cap): each is closed at its deadline.
            attack_started = time.monotonic()
            slow = [_connect(port) for _ in range(args.slow)]
            for connection in slow:
                connection.sendall(b"POST /slack/events HTTP/1.1\r\nHost: x\r\n")
            connections += slow
            dribbling = threading.Thread(
                target=_dribble, args=(slow, stop, attack_started, closed_after), daemon=True
            )
            dribbling.start()
            time.sleep(0.5)
            slow_modals = shortcuts(url, slack)
            threads = proc_status(webhook, "Threads")
            wait_for(lambda: len(closed_after) == len(slow), 30)
            # Then a crowd of idle connections, more than the cap.
            for _ in range(args.idle):
                try:
                    connections.append(_connect(port))
                except OSError:
                    break
            time.sleep(0.5)
            handles = len(list(Path(f"/proc/{webhook}/fd").iterdir()))
            idle_modals = shortcuts(url, slack)
            threads = max(threads, proc_status(webhook, "Threads"))
        finally:
            stop.set()
            for connection in connections:
                connection.close()
            serve.terminate()
            serve.wait(timeout=30)
        opened = len(slack.calls("views.open")) - 1
    modals = slow_modals + idle_modals
    ok = (
        all(status == 200 for status, _ in modals)
        and opened == len(modals)
        and max(seconds for _, seconds in modals) < 1.0
        and threads <= MAX_WORKERS + 4
        and handles <= MAX_CONNECTIONS + 32
        and len(closed_after) == len(slow)
    )
    print(
        f"serve during a slow-loris ({args.slow} connections sending a header byte a second), "
        f"then {args.idle} idle connections more\n"
        f"  signed shortcuts during the slow-loris: {_modals(slow_modals)}\n"
        f"  slow connections closed by serve: {len(closed_after)}/{len(slow)}, after "
        f"{min(closed_after, default=nan):.1f}–{max(closed_after, default=nan):.1f} s "
        f"(the deadline: {READ_SECONDS:g} s, checked each second)\n"
        f"  signed shortcuts with {args.idle} idle connections open: {_modals(idle_modals)}\n"
        f"  webhook process: at most {threads} threads (budget ≤ {MAX_WORKERS + 4}), {handles} "
        f"file handles (budget ≤ {MAX_CONNECTIONS + 32})  {'OK' if ok else 'OVER BUDGET'}"
    )
    return 0 if ok else 1


def shortcuts(url: str, slack: FakeSlack) -> list[tuple[int, float]]:
    """(status, seconds) of each signed shortcut, one after the other."""
    answers = [post(url, form(shortcut(slack.response_url()))) for _ in range(SHORTCUTS)]
    return [(status, seconds) for status, seconds, _ in answers]


def _modals(modals: list[tuple[int, float]]) -> str:
    seconds = [s for _, s in modals]
    return (
        f"{sum(status == 200 for status, _ in modals)}/{len(modals)} answered, modal median "
        f"{statistics.median(seconds) * 1000:.0f} ms, slowest {max(seconds) * 1000:.0f} ms "
        f"(budget < 1000 ms)"
    )


def _connect(port: int) -> socket.socket:
    connection = socket.create_connection(("127.0.0.1", port), timeout=5)
    connection.setblocking(False)
    return connection


def _dribble(
    slow: list[socket.socket], stop: threading.Event, started: float, closed_after: list[float]
) -> None:
    """A header byte a second on each connection, until serve closes it."""
    open_ones = set(slow)
    while open_ones and not stop.wait(1.0):
        for connection in list(open_ones):
            try:
                if connection.recv(1) == b"":
                    raise ConnectionResetError
            except BlockingIOError:
                try:
                    connection.send(b"x")
                    continue
                except OSError:
                    pass
            except OSError:
                pass
            open_ones.discard(connection)
            closed_after.append(time.monotonic() - started)


if __name__ == "__main__":
    raise SystemExit(main())
