"""Webhook budgets (DESIGN.md §5): module import in a fresh process, warm shortcut handling, and
submission → workflow started through the real boto3 client to a local HTTP endpoint."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from fakes.slack_payloads import SIGNING_SECRET, form, function_url_event, shortcut, submission


def _fresh_import_seconds(module: str, compiled: bool) -> float:
    environment = dict(os.environ)
    with tempfile.TemporaryDirectory() as cache:
        if not compiled:
            environment["PYTHONPYCACHEPREFIX"] = cache  # empty: every module compiles
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", f"import {module}"], env=environment, check=True)
        return time.perf_counter() - started


def bench_import(rounds: int) -> bool:
    print("webhook module import, fresh process, above bare `python -c pass`")
    ok = True
    for compiled, budget in ((True, 0.25), (False, 0.6)):
        bare = statistics.median(_fresh_import_seconds("sys", compiled) for _ in range(rounds))
        webhook = statistics.median(
            _fresh_import_seconds("emoji_smith.handlers.webhook", compiled) for _ in range(rounds)
        )
        extra = webhook - bare
        ok &= extra <= budget
        label = "with .pyc   " if compiled else "without .pyc"
        print(
            f"  {label} +{extra * 1000:5.0f} ms (budget {budget * 1000:.0f} ms)  "
            f"{'OK' if extra <= budget else 'OVER BUDGET'}   [anchor: 1150 / 2400 ms]"
        )
    return ok


_COLD_SHORTCUT = """
import sys, time
started = time.perf_counter()
sys.path[:0] = {paths!r}
from benchmarks_cold import run
print(run(started))
"""


def bench_cold_shortcut(rounds: int) -> bool:
    """A fresh process's first shortcut (imports + settings + modal), outbound call excluded:
    what a cold Lambda spends of Slack's 3 s before calling views.open."""
    here = os.path.dirname(os.path.abspath(__file__))
    code = _COLD_SHORTCUT.format(paths=[here, os.path.join(here, "..", "tests")])
    environment = {
        **os.environ,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_BOT_TOKEN": "xoxb-cold",
    }
    timings = [
        float(
            subprocess.run(
                [sys.executable, "-c", code],
                env=environment,
                check=True,
                capture_output=True,
                text=True,
            ).stdout.split()[-1]
        )
        for _ in range(rounds)
    ]
    median = statistics.median(timings)
    print(
        f"cold start: fresh process → first shortcut handled (outbound excluded)\n"
        f"  median {median * 1000:.0f} ms of Slack's 3000 ms  {'OK' if median < 1 else 'SLOW'}"
    )
    return median < 1


class _NoOutboundCalls:
    """Stands in for Slack so the measurement excludes the network call, as the budget says."""

    def open_modal(self, trigger_id: str, view: dict[str, Any]) -> None:
        pass

    def emoji_names(self) -> set[str]:
        return {"party"}


class _StartExecutionEndpoint(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        body = json.dumps(
            {"executionArn": "arn:aws:states:us-east-1:1:execution:m:x", "startDate": time.time()}
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/x-amz-json-1.0")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def bench_handling(rounds: int) -> bool:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _StartExecutionEndpoint)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    os.environ.update(
        {
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "STATE_MACHINE_ARN": "arn:aws:states:us-east-1:123456789012:stateMachine:emoji",
            "AWS_ENDPOINT_URL_SFN": f"http://127.0.0.1:{server.server_address[1]}",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_ACCESS_KEY_ID": "x",
            "AWS_SECRET_ACCESS_KEY": "x",
        }
    )
    from emoji_smith import dependencies
    from emoji_smith.domain.slack_views import create_emoji_modal
    from emoji_smith.domain.styles import PRESETS
    from emoji_smith.handlers.webhook import handler

    dependencies.slack_interactions = _NoOutboundCalls  # type: ignore[assignment]
    import emoji_smith.webhook_routes as routes

    routes.slack_interactions = dependencies.slack_interactions  # type: ignore[attr-defined]

    shortcut_event = function_url_event(form(shortcut("https://hooks.slack.com/actions/1")))
    view = create_emoji_modal({"ts": "1.2", "text": "ship it"}, "C1", None, list(PRESETS))
    ok = True
    for label, make_event, budget in (
        ("shortcut → modal (outbound call excluded)", lambda i: shortcut_event, 0.25),
        (
            "submission → workflow started (boto3 to a local endpoint)",
            lambda i: function_url_event(form(submission(view, f"V{i}", description="ship it"))),
            5.0,
        ),
    ):
        events = [make_event(i) for i in range(rounds + 20)]
        for event in events[:20]:
            assert handler(event, None)["statusCode"] == 200  # warm
        timings = []
        for event in events[20:]:
            started = time.perf_counter()
            answer = handler(event, None)
            timings.append((time.perf_counter() - started) * 1000)
            assert answer["statusCode"] == 200
        median = statistics.median(timings)
        ok &= median <= budget
        anchor = "0.5 ms" if budget < 1 else "13.4 ms (Pub/Sub)"
        print(
            f"{label}\n  median {median:.3f} ms (budget {budget} ms)  "
            f"{'OK' if median <= budget else 'OVER BUDGET'}   [anchor: {anchor}]"
        )
    server.shutdown()
    return ok
