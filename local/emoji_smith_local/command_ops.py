"""`emoji-smith ops`: the operator's commands, on a deployed stack or a running `serve`."""

from __future__ import annotations

import argparse
import json
import os
from typing import Any, TextIO


def run_ops(args: argparse.Namespace, out: TextIO) -> int:
    try:
        result = _ops_on_stack(args) if args.stack else _ops_on_serve(args, out)
    except LookupError as error:  # ops.NoSuchJob, or a stack that is not Emoji Smith's
        print(error, file=out)
        return 1
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
    if args.action == "usage":
        return operations.usage(args.month)
    if args.action == "forget-member":
        return operations.forget_member(args.user, args.team)
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
        "usage": {"month": getattr(args, "month", "")},
        "forget-member": {"user": getattr(args, "user", ""), "team": getattr(args, "team", "")},
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
        answer = error.read()
        try:
            said = json.loads(answer)["error"]
        except (ValueError, KeyError, TypeError):
            said = repr(answer)
        print(f"`emoji-smith serve` at {args.serve} answered {error.code}: {said}", file=out)
        return None
    except urllib.error.URLError as error:
        print(
            f"No `emoji-smith serve` at {args.serve} ({error.reason}): start one, or use "
            "--stack NAME for a deployed stack.",
            file=out,
        )
        return None
