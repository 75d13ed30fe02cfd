"""Whatever is replayed, redriven or retried, however often, and wherever a step crashes: a job
is billed at most once and delivered at most once — and a clean redrive at the end delivers it.

Property-based: hypothesis draws sequences of operator and schedule actions with crashes armed
before or after a step's work, on the real ASL and handlers on the embedded AWS."""

from __future__ import annotations

import importlib
import json
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from emoji_smith.adapters.badge_image_generator import BadgeImageGenerator
from emoji_smith.domain.models import ImagePrompt
from emoji_smith_local.ops import Operations, StackNames
from emoji_smith_local.runtime import LocalAWS

STEPS = {
    "Validate": "emoji_smith.handlers.validate",
    "GenerateImage": "emoji_smith.handlers.generate_image",
    "ResizeImage": "emoji_smith.handlers.resize_image",
    "PersistEmoji": "emoji_smith.handlers.persist_emoji",
    "UploadEmoji": "emoji_smith.handlers.upload_emoji",
    "NotifyUser": "emoji_smith.handlers.notify_user",
}
#: (step, "before" | "after" its work): the next call of that step raises once.
ARMED: dict[str, str] = {}
BILLS: Counter[str] = Counter()

Action = tuple[str, str, str]
ACTIONS = st.one_of(
    st.tuples(
        st.just("crash"), st.sampled_from(sorted(STEPS)), st.sampled_from(["before", "after"])
    ),
    st.tuples(st.sampled_from(["replay", "retry", "redrive", "restart"]), st.just(""), st.just("")),
)


@pytest.fixture(scope="module")
def crashing_steps(local_aws: LocalAWS) -> Iterator[None]:
    """Each step's handler, wrapped so that an armed crash fires once, before or after it."""
    saved: dict[str, Callable[..., Any]] = {}
    for step, module_name in STEPS.items():
        module = importlib.import_module(module_name)
        real = saved[module_name] = module.handler

        def wrapped(event: Any, context: Any, _real: Any = real, _step: str = step) -> Any:
            if ARMED.get(_step) == "before":
                del ARMED[_step]
                raise RuntimeError(f"crash before {_step}")
            result = _real(event, context)
            if ARMED.get(_step) == "after":
                del ARMED[_step]
                raise RuntimeError(f"crash after {_step}")
            return result

        module.handler = wrapped  # type: ignore[attr-defined]
    real_generate = BadgeImageGenerator.generate

    def billed(self: BadgeImageGenerator, prompt: ImagePrompt, count: int) -> list[bytes]:
        BILLS[prompt.badge_text] += count
        return real_generate(self, prompt, count)

    BadgeImageGenerator.generate = billed  # type: ignore[method-assign]
    yield
    BadgeImageGenerator.generate = real_generate  # type: ignore[method-assign]
    for module_name, handler in saved.items():
        importlib.import_module(module_name).handler = handler  # type: ignore[attr-defined]


def runs_of(aws: LocalAWS, job_id: str) -> list[dict[str, Any]]:
    """The job's runs, newest first, each once it has ended."""
    runs = []
    for summary in aws.executions():
        described = aws.describe(summary["executionArn"])
        if json.loads(described["input"])["job_id"] == job_id:
            runs.append(aws.wait(summary["executionArn"]))
    return runs


def deliveries(outbox: Path, job_id: str) -> int:
    log = outbox / job_id / "messages.jsonl"
    if not log.exists():
        return 0
    return sum(json.loads(line)["kind"] == "emoji" for line in log.read_text().splitlines())


def act(aws: LocalAWS, job_id: str, action: Action, restarts: list[int]) -> None:
    kind, step, when = action
    operations = Operations(StackNames.from_physical_ids(aws.physical_ids))
    if kind == "crash":
        ARMED[step] = when
    elif kind == "replay":
        with aws.function_environment("RetryFailedJobsFunction"):
            operations.replay(job_id)
    elif kind == "retry":
        with aws.function_environment("RetryFailedJobsFunction"):
            operations.retry(dry_run=False, max_attempts=100)
    elif kind == "redrive":
        newest = runs_of(aws, job_id)[0]
        if newest["status"] == "FAILED":
            aws.redrive(newest["executionArn"])
    elif kind == "restart":  # what the schedule does past the 14-day redrive window
        restarts.append(len(restarts) + 1)
        newest = runs_of(aws, job_id)[0]
        aws.client("stepfunctions").start_execution(
            stateMachineArn=aws.state_machine_arn,
            name=f"{job_id}-retry{restarts[-1]}",
            input=newest["input"],
        )
    runs_of(aws, job_id)  # every run settled before the next action


@settings(
    max_examples=12,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(st.lists(ACTIONS, min_size=1, max_size=5))
def test_any_sequence_bills_and_delivers_a_job_at_most_once(
    local_aws: LocalAWS, outbox: Path, crashing_steps: None, actions: list[Action]
) -> None:
    # GIVEN a job whose first run may hit an armed crash
    ARMED.clear()
    marker = uuid.uuid4().hex[:8]
    job_id = f"once-{marker}"
    restarts: list[int] = []
    for action in [a for a in actions if a[0] == "crash"][:1]:
        act(local_aws, job_id, action, restarts)
    local_aws.wait(local_aws.start({"description": f"once {marker}"}, job_id))
    # WHEN any sequence of replays, retries, redrives, restarts and crashes follows
    for action in actions:
        act(local_aws, job_id, action, restarts)
        # THEN at every point: at most one image bill and at most one delivery
        assert BILLS[f"ONCE {marker.upper()}"] <= 1, actions
        assert deliveries(outbox, job_id) <= 1, actions
    # AND once nothing crashes any more, a redrive of a failed newest run delivers it, once
    ARMED.clear()
    newest = runs_of(local_aws, job_id)[0]
    if newest["status"] == "FAILED":
        local_aws.redrive(newest["executionArn"])
        newest = local_aws.wait(newest["executionArn"])
    assert newest["status"] == "SUCCEEDED", actions
    assert deliveries(outbox, job_id) == 1, actions
    assert BILLS[f"ONCE {marker.upper()}"] == 1, actions
    record = local_aws.job(job_id)
    assert record.status == "DELIVERED", actions
