"""`emoji-smith`: run the real workflow on the embedded AWS, from a terminal."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TextIO

from emoji_smith.domain.naming import execution_name, suggest_name
from emoji_smith.domain.styles import OFFLINE_STYLE, PRESETS
from emoji_smith.domain.validation import MAX_OPTIONS, MIN_OPTIONS

if TYPE_CHECKING:
    from emoji_smith.ports import ImageStore
    from emoji_smith_local.runtime import LocalAWS

DEFAULT_OUT = Path("emoji-out")
#: `serve` forgets older succeeded runs (their records stay in the jobs table): bounded memory.
SERVE_KEEPS_SUCCEEDED = 50
EPILOG = """\
examples:
  emoji-smith generate "ship it"                      # offline badge → emoji-out/ship_it.png
  emoji-smith generate "a happy cat" --style cartoon  # needs OPENAI_API_KEY
  emoji-smith generate "lgtm" --name lgtm --out ~/emoji

environment:
  OPENAI_API_KEY, OPENAI_BASE_URL   image service (without a key only the badge style works)
  SLACK_BOT_TOKEN, SLACK_API_BASE_URL   deliver to Slack (without, to the local outbox)
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="emoji-smith",
        description="Turn a description into a Slack-ready custom emoji (128×128 PNG, ≤ 128 KB) "
        "by running the real Step Functions workflow on an embedded AWS: no account, no Slack, "
        "no key needed.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    generate = commands.add_parser(
        "generate",
        help="make one emoji from a description",
        description="Run the emoji workflow locally and write DIR/NAME.png. Each step is shown "
        "as it completes; on failure the failed step, the error name and the cause are printed "
        "and the exit status is 1.",
    )
    generate.add_argument("description", help='what the emoji shows, e.g. "ship it"')
    generate.add_argument(
        "--name", default="", help="emoji name (default: derived from the description)"
    )
    generate.add_argument(
        "--style",
        default=OFFLINE_STYLE,
        choices=list(PRESETS),
        help=f"style preset (default: {OFFLINE_STYLE}, the only one that works offline)",
    )
    generate.add_argument(
        "--out", type=Path, default=DEFAULT_OUT, help=f"output folder (default: {DEFAULT_OUT})"
    )
    generate.add_argument(
        "--opaque", action="store_true", help="keep a solid background (default: transparent)"
    )
    generate.add_argument(
        "--options",
        type=int,
        default=1,
        help=f"how many candidates to make ({MIN_OPTIONS}-{MAX_OPTIONS}; default 1)",
    )
    generate.add_argument(
        "--pick",
        type=int,
        default=None,
        metavar="N",
        help="with --options > 1: take candidate N without asking (for scripts)",
    )
    generate.add_argument("--message", default="", help="the Slack message it reacts to (context)")
    generate.add_argument("--json", action="store_true", help="print the result as JSON")
    generate.set_defaults(run=run_generate)

    serve = commands.add_parser(
        "serve",
        help="serve the Slack webhook locally (POST /slack/events)",
        description="Run the webhook on a local port, backed by the embedded AWS: the same "
        "signature checks, modal and workflow as in AWS. Needs SLACK_SIGNING_SECRET and "
        "SLACK_BOT_TOKEN; without a bot token results go to the local outbox. For development: "
        "jobs live in this process's memory, so a restart loses jobs in flight (a resent "
        "submission then runs again). The retry schedule runs here too (as in AWS, every 15 "
        "minutes). Emoji are shared in the thread, never added with SLACK_ADMIN_TOKEN: "
        "admin.emoji.add needs an image URL Slack can fetch, and this process's bucket has none. "
        "Operator endpoints (emoji-smith ops --serve) exist only with EMOJI_SMITH_OPS_TOKEN set.",
    )
    serve.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)"
    )
    serve.add_argument("--port", type=int, default=3000, help="port (default 3000)")
    serve.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_OUT,
        help=f"outbox parent folder (default: {DEFAULT_OUT})",
    )
    serve.set_defaults(run=run_serve)

    ops = commands.add_parser(
        "ops",
        help="operate a stack: failed jobs, retry, replay, circuit",
        description="Operator commands against a deployed stack (--stack NAME, your AWS "
        "credentials) or the embedded stack of a running `emoji-smith serve` (--serve URL).",
    )
    target = ops.add_mutually_exclusive_group()
    target.add_argument("--stack", help="a deployed CloudFormation stack name")
    target.add_argument(
        "--serve",
        default="http://127.0.0.1:3000",
        help="a running `emoji-smith serve` (default http://127.0.0.1:3000)",
    )
    actions = ops.add_subparsers(dest="action", required=True, metavar="ACTION")
    actions.add_parser("failed", help="failed jobs of the last 24 h, with error names and causes")
    retry = actions.add_parser("retry", help="what the retry schedule does, once")
    retry.add_argument("--dry-run", action="store_true", help="say what would be done, do nothing")
    replay = actions.add_parser("replay", help="a new execution from an execution's input")
    replay.add_argument("execution", help="execution name or ARN")
    circuit = actions.add_parser("circuit", help="show (or --reset) the image service's circuit")
    circuit.add_argument("--reset", action="store_true", help="close the circuit now")
    ops.set_defaults(run=run_ops)
    return parser


def run_ops(args: argparse.Namespace, out: TextIO) -> int:
    result = _ops_on_stack(args) if args.stack else _ops_on_serve(args, out)
    if result is None:
        return 1
    print(json.dumps(result, indent=2, default=str), file=out)
    return 0


def _ops_on_stack(args: argparse.Namespace) -> Any:
    from emoji_smith_local.ops import Operations, StackNames

    operations = Operations(StackNames.from_cloudformation(args.stack))
    if args.action == "failed":
        return operations.failed()
    if args.action == "retry":
        return operations.retry(dry_run=args.dry_run)
    if args.action == "replay":
        return operations.replay(args.execution)
    return operations.circuit(reset=args.reset)


def _ops_on_serve(args: argparse.Namespace, out: TextIO) -> Any:
    import urllib.error
    import urllib.parse
    import urllib.request

    from emoji_smith_local.server import OPS_TOKEN_VARIABLE

    if not args.serve.startswith(("http://", "https://")):
        print(f"--serve takes an http(s) URL, not {args.serve!r}", file=out)
        return None
    query = {
        "retry": {"dry_run": "1"} if getattr(args, "dry_run", False) else {},
        "replay": {"execution": getattr(args, "execution", "")},
        "circuit": {"reset": "1"} if getattr(args, "reset", False) else {},
    }.get(args.action, {})
    token = os.environ.get(OPS_TOKEN_VARIABLE, "")
    if not token:
        print(
            f"{OPS_TOKEN_VARIABLE} is not set: set it to the value `emoji-smith serve` runs with.",
            file=out,
        )
        return None
    url = f"{args.serve.rstrip('/')}/ops/{args.action}?{urllib.parse.urlencode(query)}"
    request = urllib.request.Request(  # noqa: S310 - scheme checked above
        url, method="POST", headers={"Authorization": f"Bearer {token}"}
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:  # noqa: S310
            return json.loads(answer.read())
    except urllib.error.HTTPError as error:
        print(
            f"`emoji-smith serve` at {args.serve} answered {error.code}: {error.read()!r}", file=out
        )
        return None
    except urllib.error.URLError as error:
        print(
            f"No `emoji-smith serve` at {args.serve} ({error.reason}): start one, or use "
            "--stack NAME for a deployed stack.",
            file=out,
        )
        return None


def run_serve(args: argparse.Namespace, out: TextIO) -> int:
    import subprocess

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
        import threading

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


def unwritable(folder: Path) -> str | None:
    """Why nothing can be written under `folder` (None: it can), checked before any work."""
    import tempfile

    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as error:
        return f"Cannot write to {folder}: {error.strerror or error}. Choose another --out folder."
    return None


def run_generate(args: argparse.Namespace, out: TextIO) -> int:
    from emoji_smith_local.progress import STEP_LABELS, HistoryReader
    from emoji_smith_local.runtime import LocalAWS

    started = time.perf_counter()
    out_dir: Path = args.out
    request = {
        "description": args.description,
        "name": args.name,
        "style": args.style,
        "transparent": not args.opaque,
        "options": args.options,
        "message_text": args.message,
    }
    name = args.name or suggest_name(args.description)
    if not name:
        print(
            "Nothing in the description makes an emoji name (Slack's names use a-z, 0-9, '-' "
            "and '_'): give one with --name, e.g. --name party.",
            file=out,
        )
        return 2
    if args.pick is not None and not 1 <= args.pick <= args.options:
        print(f"--pick takes 1 to {args.options} (the number of --options).", file=out)
        return 2
    problem = unwritable(out_dir / "outbox")
    if problem:
        print(problem, file=out)
        return 2
    # Imported now, while nothing else runs: inside the ResizeImage step it takes 3× as long,
    # competing for the interpreter with the workflow's threads.
    import emoji_smith.domain.emoji_image  # noqa: F401

    with LocalAWS(environment={"EMOJI_SMITH_OUTBOX_DIR": str(out_dir / "outbox")}) as aws:
        job_id = execution_name("local", name[:40], uuid.uuid4().hex[:12])
        arn = aws.start(request, job_id)
        reader = HistoryReader()
        offered = False
        while True:
            description = aws.describe(arn)
            for step in reader.read(aws.history(arn)):
                if step.kind == "done":
                    label = STEP_LABELS.get(step.state, step.state)
                    print(f"  ✓ {step.state:<14} {label} ({step.seconds * 1000:.0f} ms)", file=out)
                elif step.kind == "failed":
                    print(f"  ✗ {step.state:<14} {step.error}: {step.cause}", file=out)
            if description["status"] not in ("RUNNING", "PENDING_REDRIVE"):
                break
            waiting = args.options > 1 and not offered
            if waiting and aws.job(job_id).choice_state == "waiting":
                offered = True
                _choose(aws, job_id, out_dir / "outbox" / job_id, args, out)
            time.sleep(0.05)
        description = aws.wait(arn)  # and its failure recorded, if it failed
        record = aws.job(job_id)
        output = json.loads(description.get("output") or "{}")
        if description["status"] != "SUCCEEDED" or "outcome" in output:
            error = output.get("outcome") or description.get("error", "unknown error")
            cause = output.get("cause") or description.get("cause", "")
            print(
                f"\nFailed at {reader.failed_step or 'an unknown step'}: {error}\n  {cause}\n"
                f"Job {job_id} recorded as {record.status or 'missing'}.",
                file=out,
            )
            return 1
        path = _write_emoji(aws.images(), output, out_dir)
    elapsed = time.perf_counter() - started
    if args.json:
        print(json.dumps({"job_id": job_id, "files": [str(path)]}), file=out)
    print(
        f"\n:{output['request']['name']}: → {path} "
        f"(128×128, {path.stat().st_size / 1024:.1f} KB) in {elapsed:.1f} s",
        file=out,
    )
    return 0


def _write_emoji(store: ImageStore, output: dict[str, Any], out_dir: Path) -> Path:
    """The delivered emoji (the chosen candidate) as OUT/NAME.png."""
    out_dir.mkdir(parents=True, exist_ok=True)
    key: str = output["emoji"]["keys"][int(output.get("choice", {}).get("index", 0))]
    path = out_dir / f"{output['request']['name']}.{key.rsplit('.', 1)[-1]}"
    path.write_bytes(store.get(key))
    return path


def _choose(
    aws: LocalAWS, job_id: str, folder: Path, args: argparse.Namespace, out: TextIO
) -> None:
    """The candidates are in the outbox: take --pick, or ask; the same code as Slack's buttons."""
    from emoji_smith.adapters.sfn_workflow import StepFunctionsWorkflow
    from emoji_smith.application.choosing import handle_click
    from emoji_smith.domain.choices import CANCEL_ACTION, CHOOSE_ACTION, Click

    # The job is marked waiting before every candidate file is written: wait for all of them.
    deadline = time.monotonic() + 30
    files = sorted(folder.glob("option-*.png"))
    while len(files) < args.options and time.monotonic() < deadline:
        time.sleep(0.02)
        files = sorted(folder.glob("option-*.png"))
    print(f"\n  {len(files)} candidates:", file=out)
    for number, path in enumerate(files, start=1):
        print(f"    {number}. {path}", file=out)
    pick: int | None = args.pick
    if pick is None and sys.stdin.isatty():
        answer = input(f"  Pick 1-{len(files)} (anything else cancels): ").strip()
        pick = int(answer) if answer.isdigit() else 0
    if pick is None:
        print("  Not a terminal and no --pick N: cancelling.", file=out)
    click = (
        Click(CHOOSE_ACTION, job_id, pick - 1)
        if pick is not None and 1 <= pick <= len(files)
        else Click(CANCEL_ACTION, job_id)
    )
    workflow = StepFunctionsWorkflow(aws.state_machine_arn)
    print(f"  {handle_click(click, 'local-user', aws.jobs(), workflow)}\n", file=out)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.run(args, sys.stdout))


def run() -> NoReturn:
    """The `emoji-smith` command. It leaves without tearing the interpreter down: the embedded
    AWS's objects take ~0.4 s to garbage-collect and nothing is left to flush (files are closed
    by then; moto's threads hold nothing of the user's)."""
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    run()
