"""`emoji-smith generate`: one job through the real workflow on the embedded AWS, with each
step shown as it finishes."""

from __future__ import annotations

import argparse
import json
import sys
import time
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from emoji_smith.domain.naming import execution_name, suggest_name
from emoji_smith_local.output import unwritable

if TYPE_CHECKING:
    from emoji_smith.ports import ImageStore
    from emoji_smith_local.runtime import LocalAWS


def read_picture(path: Path) -> tuple[bytes | None, str]:
    """The picture at `path`, or why it cannot be used (exit 1 with it)."""
    from emoji_smith.domain.errors import InvalidRequest
    from emoji_smith.domain.pictures import ACCEPTED, MAX_PICTURE_BYTES, check_picture

    try:
        if path.stat().st_size > MAX_PICTURE_BYTES:
            return None, f"{path} is over 20 MB; I accept {ACCEPTED}."
        data = path.read_bytes()
    except OSError as error:
        return None, f"Cannot read {path}: {error.strerror or error}."
    try:
        check_picture(data)
    except InvalidRequest as error:
        return None, f"{path}: {error}"
    return data, ""


def run_effects(args: argparse.Namespace, out: TextIO) -> int:
    from emoji_smith.domain.motion import AI_ANIMATION, AI_ANIMATION_LABEL, EFFECTS

    width = max(len(effect.name) for effect in EFFECTS)
    for effect in EFFECTS:
        timing = f"{effect.frames} frames × {effect.delay_ms} ms"
        print(f"  {effect.name:<{width}}  {effect.summary} ({timing})", file=out)
    print(f"  {AI_ANIMATION:<{width}}  {AI_ANIMATION_LABEL}: needs an image style", file=out)
    print('\nemoji-smith generate "ship it" --animate party  →  emoji-out/ship_it.gif', file=out)
    return 0


def run_generate(args: argparse.Namespace, out: TextIO) -> int:
    from emoji_smith_local.runtime import LocalAWS

    started = time.perf_counter()
    prepared = _prepare(args, out)
    if isinstance(prepared, int):
        return prepared
    request, name, picture = prepared
    out_dir: Path = args.out
    # Imported now, while nothing else runs: inside a step an import takes ~3× as long,
    # competing for the interpreter with the workflow's threads (numpy for ResizeImage, the
    # step models and use cases for every step).
    import emoji_smith.application.image_steps
    import emoji_smith.application.steps  # noqa: F401

    with LocalAWS(environment={"EMOJI_SMITH_OUTBOX_DIR": str(out_dir / "outbox")}) as aws:
        job_id = execution_name("local", name[:40], uuid.uuid4().hex[:12])
        if picture is not None:  # the CLI is the "download": the workflow finds it in inputs/
            from emoji_smith.domain.pictures import ACCEPTED_FORMATS, check_picture, input_key

            key = input_key(job_id)
            aws.images().put(key, picture, ACCEPTED_FORMATS[check_picture(picture)])
            request["source"] = {"kind": "upload", "id": key, "label": args.image.name}
        arn = aws.start(request, job_id)
        failed_step = _follow(aws, arn, job_id, args, out)
        description = aws.wait(arn)  # and its failure recorded, if it failed
        output = json.loads(description.get("output") or "{}")
        if description["status"] != "SUCCEEDED" or "outcome" in output:
            from emoji_smith.domain.failures import describe_failure

            error = output.get("outcome") or description.get("error", "unknown error")
            cause = describe_failure(error, output.get("cause") or description.get("cause")).cause
            print(
                f"\nFailed at {failed_step or 'an unknown step'}: {error}\n  {cause}\n"
                f"Job {job_id} recorded as {aws.job(job_id).status or 'missing'}.",
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


def _prepare(
    args: argparse.Namespace, out: TextIO
) -> tuple[dict[str, Any], str, bytes | None] | int:
    """(the request, the job's name, the picture) — or the exit status, when something the
    user gave cannot work (said before anything runs)."""
    picture: bytes | None = None
    if args.image is not None:
        picture, problem = read_picture(args.image)
        if picture is None:
            print(problem, file=out)
            return 1
    name = args.name or suggest_name(args.description or (args.image.stem if args.image else ""))
    problem = ""
    if not name:
        problem = (
            "Nothing in the description makes an emoji name (Slack's names use a-z, 0-9, '-' "
            "and '_'): give one with --name, e.g. --name party."
        )
    elif args.pick is not None and not 1 <= args.pick <= args.options:
        problem = f"--pick takes 1 to {args.options} (the number of --options)."
    else:
        problem = unwritable(args.out / "outbox") or ""
    if problem:
        print(problem, file=out)
        return 2
    request = {
        "description": args.description,
        "name": args.name,
        "style": args.style,
        "transparent": not args.opaque,
        "options": args.options,
        "message_text": args.message,
        "animation": args.animate,
    }
    return request, name, picture


def _follow(aws: LocalAWS, arn: str, job_id: str, args: argparse.Namespace, out: TextIO) -> str:
    """Show each step as it ends until the run does, answering a choice; the failed step."""
    from emoji_smith_local.progress import STEP_LABELS, HistoryReader

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
            return reader.failed_step or ""
        if args.options > 1 and not offered and aws.job(job_id).choice_state == "waiting":
            offered = True
            _choose(aws, job_id, args.out / "outbox" / job_id, args, out)
        time.sleep(0.05)


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
    from emoji_smith.application.choosing import handle_click
    from emoji_smith.bootstrap import bootstrap
    from emoji_smith.domain.choices import CANCEL_ACTION, CHOOSE_ACTION, Click
    from emoji_smith.settings import Settings

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
    workflow = bootstrap(Settings(state_machine_arn=aws.state_machine_arn)).workflow()
    print(f"  {handle_click(click, 'local-user', aws.jobs(), workflow)}\n", file=out)
