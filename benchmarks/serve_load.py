"""`emoji-smith serve` under a burst: N concurrent signed submissions against a
fresh serve process, with the fake Slack and a fake image service taking 2 s an image.

Measured: connection resets, acknowledgement latency (p50/p99), how long a shortcut sent during
the burst takes to open its modal, deliveries (each once), failures, and the process's memory
after the first job and after the burst. Budgets: 0 resets, ack p99 < 1 s, modal < 1 s, all
delivered once, RSS after ≤ 1.5 × RSS after the first job.

    .venv/bin/python benchmarks/serve_load.py [--submissions 100]
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "tests")]

from fakes.fake_openai import FakeOpenAI  # noqa: E402
from fakes.fake_slack import BOT_TOKEN, FakeSlack  # noqa: E402
from fakes.slack_payloads import SIGNING_SECRET, form, shortcut, sign, submission  # noqa: E402

IMAGE_SECONDS = 2.0
#: After the last delivery: the jobs' last steps finish, then serve hands memory back once idle
#: for two seconds.
SETTLE_SECONDS = 5.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def post(url: str, body: bytes) -> tuple[int, float, str]:
    """(status, seconds, error): status 0 when the connection failed."""
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": sign(body, timestamp),
    }
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            answer.read()
            return answer.status, time.perf_counter() - started, ""
    except urllib.error.HTTPError as error:
        return error.code, time.perf_counter() - started, ""
    except (urllib.error.URLError, OSError) as error:
        return 0, time.perf_counter() - started, type(error).__name__ + f": {error}"


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def uploaded_names(slack: FakeSlack) -> Counter[str]:
    names: Counter[str] = Counter()
    for call in slack.calls("files.completeUploadExternal"):
        files = slack.params(call)["files"]
        for item in files if isinstance(files, list) else json.loads(files):
            names[str(item.get("title", "")).strip(":")] += 1
    return names


def wait_for(condition: Any, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return bool(condition())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submissions", type=int, default=100)
    args = parser.parse_args()
    slack, openai = FakeSlack(), FakeOpenAI()
    openai.image_seconds = IMAGE_SECONDS
    port = free_port()
    url = f"http://127.0.0.1:{port}/slack/events"
    with slack.running(), openai.running(), tempfile.TemporaryDirectory() as work:
        environment = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "SLACK_"))},
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_API_BASE_URL": slack.base_url,
            "OPENAI_API_KEY": "sk-test",
            "OPENAI_BASE_URL": openai.base_url,
            "EMOJI_SMITH_PROMPT_MODEL": "",
            # One member sends the whole burst: the daily quota is not what this measures.
            "EMOJI_SMITH_MEMBER_DAILY_IMAGES": "1000",
            "EMOJI_SMITH_WORKSPACE_MONTHLY_BUDGET_USD": "1000",
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
            post(url, form(shortcut(slack.response_url())))
            view = slack.params(slack.calls("views.open")[-1])["view"]

            def submit(index: int) -> tuple[int, float, str]:
                body = form(
                    submission(
                        view,
                        f"V-load{index}",
                        description=f"load {index}",
                        name=f"load_{index}",
                        style="cartoon",
                    )
                )
                return post(url, body)

            submit(0)
            assert wait_for(lambda: uploaded_names(slack)["load_0"] == 1, 60), "first job failed"
            first_rss = rss_mb(serve.pid)

            results: list[tuple[int, float, str]] = []
            lock = threading.Lock()

            def one(index: int) -> None:
                result = submit(index)
                with lock:
                    results.append(result)

            threads = [
                threading.Thread(target=one, args=(i,)) for i in range(1, args.submissions + 1)
            ]
            started = time.perf_counter()
            for thread in threads:
                thread.start()
            time.sleep(0.5)
            modal_status, modal_seconds, _ = post(url, form(shortcut(slack.response_url("load"))))
            for thread in threads:
                thread.join()
            wanted = {f"load_{i}" for i in range(1, args.submissions + 1)}
            wait_for(lambda: wanted <= set(uploaded_names(slack)), 60 + 2 * args.submissions)
            elapsed = time.perf_counter() - started
            time.sleep(SETTLE_SECONDS)
            after_rss = rss_mb(serve.pid)
        finally:
            serve.terminate()
            serve.wait(timeout=30)
        names = uploaded_names(slack)
        failed = sum("Could not make" in r.get("text", "") for r in slack.responses())
    resets = [error for status, _, error in results if status == 0]
    acks = sorted(seconds for status, seconds, _ in results if status)
    p99 = acks[min(len(acks) - 1, round(0.99 * (len(acks) - 1)))] if acks else float("inf")
    delivered = len(wanted & set(names))
    duplicated = sum(1 for name in wanted if names[name] > 1)
    ok = (
        not resets
        and p99 < 1.0
        and modal_status == 200
        and modal_seconds < 1.0
        and delivered == args.submissions
        and duplicated == 0
        and failed == 0
        and after_rss <= 1.5 * first_rss
    )
    print(
        f"serve under {args.submissions} concurrent submissions (image service: "
        f"{IMAGE_SECONDS:g} s an image)\n"
        f"  connection resets {len(resets)} (budget 0)\n"
        f"  acknowledgement p50 {statistics.median(acks) * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms "
        f"(budget < 1000 ms)\n"
        f"  shortcut during the burst: {modal_status}, modal opened in "
        f"{modal_seconds * 1000:.0f} ms (budget < 1000 ms)\n"
        f"  delivered {delivered}/{args.submissions}, duplicated {duplicated}, failed {failed}, "
        f"all done in {elapsed:.1f} s\n"
        f"  RSS {first_rss:.0f} MB after the first job → {after_rss:.0f} MB after the burst "
        f"(×{after_rss / first_rss:.2f}, budget ×1.5)  {'OK' if ok else 'OVER BUDGET'}"
    )
    if resets:
        print(f"  first reset: {resets[0]}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
