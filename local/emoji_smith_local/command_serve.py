"""`emoji-smith serve`: the embedded stack in this process, the webhook in a process of its own
(`server.py`), and the template's retry schedule."""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
from typing import Any, TextIO

from emoji_smith_local.output import unwritable

#: `serve` forgets older succeeded runs (their records stay in the jobs table): bounded memory.
SERVE_KEEPS_SUCCEEDED = 50


def run_serve(args: argparse.Namespace, out: TextIO) -> int:
    import signal
    import subprocess

    # `kill` (SIGTERM) must stop the front process too: by default Python would end at once,
    # without the cleanup below, and leave the webhook running on its port.
    signal.signal(signal.SIGTERM, _exit_cleanly)

    from emoji_smith_local.runtime import LocalAWS

    if not os.environ.get("SLACK_SIGNING_SECRET"):
        print("SLACK_SIGNING_SECRET is not set: every request would be refused (401).", file=out)
        return 2
    problem = unwritable(args.out / "outbox")
    if problem:
        print(problem, file=out)
        return 2
    environment = {
        "EMOJI_SMITH_OUTBOX_DIR": str(args.out / "outbox"),
        # No admin.emoji.add: Slack could not fetch the in-process bucket's image URL.
        "SLACK_ADMIN_TOKEN": "",
    }
    if os.environ.get("SLACK_ADMIN_TOKEN"):
        print("  SLACK_ADMIN_TOKEN is ignored here: emoji are shared in the thread.", file=out)
    every = retry_schedule_seconds()
    with (
        LocalAWS(environment=environment, keep_succeeded=SERVE_KEEPS_SUCCEEDED) as aws,
        aws.http_endpoint() as endpoint,
    ):
        schedule = RepeatingTask(every, lambda: aws.invoke("RetryFailedJobsFunction", {}))
        front_environment = {
            **os.environ,
            **aws.function_variables("WebhookFunction"),
            **endpoint,
        }
        command = [
            sys.executable,
            "-m",
            "emoji_smith_local.server",
            "--host",
            args.host,
            "--port",
            str(args.port),
            "--stack",
            json.dumps(aws.physical_ids),
            "--retry-minutes",
            f"{every / 60:g}",
        ]
        front = subprocess.Popen(command, env=front_environment)
        schedule.start()
        try:
            return front.wait()
        except KeyboardInterrupt:
            return 0
        finally:
            schedule.stop()
            front.terminate()
            front.wait(timeout=10)


def _exit_cleanly(signum: int, frame: object) -> None:
    raise SystemExit(0)


def retry_schedule_seconds() -> float:
    """The template's retry schedule (`rate(N minutes)`), so serve retries as AWS does."""
    import re

    from emoji_smith_local.template import load_template

    function = load_template()["Resources"]["RetryFailedJobsFunction"]["Properties"]
    (event,) = function["Events"].values()
    expression = str(event["Properties"]["ScheduleExpression"])
    match = re.fullmatch(r"rate\((\d+) (minute|minutes|hour|hours)\)", expression)
    if match is None:
        raise ValueError(f"serve runs rate(N minutes|hours) schedules, not {expression}")
    return int(match.group(1)) * (3600 if match.group(2).startswith("hour") else 60)


class RepeatingTask:
    """Runs `action` every `seconds` on a daemon thread until stopped (errors are printed)."""

    def __init__(self, seconds: float, action: Any) -> None:

        self._seconds = seconds
        self._action = action
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self.runs = 0

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopped.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stopped.wait(self._seconds):
            try:
                self._action()
            except Exception as error:  # the schedule keeps going, as EventBridge's does
                print(f"  retry schedule: {type(error).__name__}: {error}", flush=True)
            self.runs += 1
