"""`emoji-smith`: run the real workflow on the embedded AWS, from a terminal."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from emoji_smith.domain.motion import ANIMATIONS
from emoji_smith.domain.styles import OFFLINE_STYLE, PRESETS
from emoji_smith.domain.validation import MAX_OPTIONS, MIN_OPTIONS
from emoji_smith_local.command_generate import run_effects, run_generate
from emoji_smith_local.command_ops import run_ops
from emoji_smith_local.command_serve import run_serve
from emoji_smith_local.output import DEFAULT_OUT

if TYPE_CHECKING:
    pass

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
        description="Run the emoji workflow locally and write DIR/NAME.png (NAME.gif when "
        "animated). Each step is shown "
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
    generate.add_argument(
        "--image",
        type=Path,
        default=None,
        metavar="PATH",
        help="start from this picture (PNG, JPEG, GIF or WebP, ≤ 20 MB): edited by the image "
        'service, or cut out as is with --style as-is (offline; the description may be "")',
    )
    generate.add_argument(
        "--animate",
        default="",
        choices=list(ANIMATIONS),
        metavar="EFFECT",
        help="animate it: an effect (see `emoji-smith effects`) or `ai` (the image model's own "
        "animation, where the account has it; else a still)",
    )
    generate.add_argument("--message", default="", help="the Slack message it reacts to (context)")
    generate.add_argument("--json", action="store_true", help="print the result as JSON")
    generate.set_defaults(run=run_generate)

    effects = commands.add_parser(
        "effects",
        help="list the animation effects",
        description="The effects `generate --animate` and the Slack modal offer; all offline.",
    )
    effects.set_defaults(run=run_effects)

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
        help="operate a stack: failed jobs, retry, replay, circuit, usage, forget-member",
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
    usage = actions.add_parser(
        "usage", help="AI images and estimated dollars per member and in total, for a month"
    )
    usage.add_argument("--month", default="", metavar="YYYY-MM", help="default: this month (UTC)")
    forget = actions.add_parser(
        "forget-member",
        help="delete a member's jobs, their images and usage (a data deletion request)",
        description="Delete a member's job records, the jobs' images and the member's usage "
        "counters, and print what was removed (ids and counts). Safe to run again.",
    )
    forget.add_argument("user", help="the member's Slack user id (U…)")
    forget.add_argument(
        "--team", default="", help="only in this workspace (T…); default: in every workspace"
    )
    ops.set_defaults(run=run_ops)
    return parser


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
