"""Whatever is replayed, redriven or retried, however often, at the same time or one after the
other, and wherever a step crashes: a job is billed at most once and delivered at most once, the
member hears "ready" at most once and never "being delivered" from a run that lost the delivery
to another — and a clean redrive at the end delivers it.

Property-based: hypothesis draws sequences of operator and schedule actions (some of them run
at once, in threads) with crashes armed before or after a step's work, on the real ASL and
handlers on the embedded AWS. A delivery takes as long as a small upload, so runs that overlap
are inside it together."""

from __future__ import annotations

import importlib
import json
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from emoji_smith.adapters.badge_image_generator import BadgeImageGenerator
from emoji_smith.adapters.dynamodb_job_repository import DynamoDBJobRepository
from emoji_smith.adapters.local_outbox import LocalOutbox
from emoji_smith.domain.errors import DeliveryInProgress
from emoji_smith.domain.models import Delivery, EmojiRequest, ImagePrompt
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
#: How long a delivery takes (an upload to Slack takes longer): overlapping runs meet in it.
DELIVERY_SECONDS = 0.2

Action = tuple[str, str, str]
ACTIONS = st.one_of(
    st.tuples(
        st.just("crash"), st.sampled_from(sorted(STEPS)), st.sampled_from(["before", "after"])
    ),
    st.tuples(
        st.sampled_from(["replay", "retry", "redrive", "restart", "replays", "race"]),
        st.just(""),
        st.just(""),
    ),
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
    real_deliver = LocalOutbox.deliver_emoji

    def slow(
        self: LocalOutbox,
        job_id: str,
        request: EmojiRequest,
        image: bytes,
        filename: str,
        image_url: str,
    ) -> Delivery:
        time.sleep(DELIVERY_SECONDS)
        return real_deliver(self, job_id, request, image, filename, image_url)

    LocalOutbox.deliver_emoji = slow  # type: ignore[method-assign]
    yield
    LocalOutbox.deliver_emoji = real_deliver  # type: ignore[method-assign]
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


def told(outbox: Path, job_id: str) -> list[str]:
    """The messages the member got about the job, in order."""
    log = outbox / job_id / "messages.jsonl"
    if not log.exists():
        return []
    entries = [json.loads(line) for line in log.read_text().splitlines()]
    return [entry["text"] for entry in entries if entry["kind"] == "message"]


def ready_notices(outbox: Path, job_id: str) -> int:
    return sum(" is ready: " in text for text in told(outbox, job_id))


def in_progress_notices(outbox: Path, job_id: str) -> int:
    """Failures told for a run that found another run delivering the job."""
    return sum(DeliveryInProgress.member_hint in text for text in told(outbox, job_id))


def at_once(*actions: Callable[[], object]) -> None:
    """Run the actions in threads released together, and wait for all of them."""
    start = threading.Barrier(len(actions))
    errors: list[BaseException] = []

    def run(action: Callable[[], object]) -> None:
        start.wait()
        try:
            action()
        except BaseException as error:  # re-raised below, in the test's thread
            errors.append(error)

    threads = [threading.Thread(target=run, args=(action,)) for action in actions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    if errors:
        raise errors[0]


def replay(aws: LocalAWS, job_id: str) -> dict[str, str]:
    """`emoji-smith ops replay JOB`, as the operator runs it (in the calling thread)."""
    with aws.function_environment("RetryFailedJobsFunction"):
        return Operations(StackNames.from_physical_ids(aws.physical_ids)).replay(job_id)


def redrive_if_failed(aws: LocalAWS, execution_arn: str) -> None:
    if aws.describe(execution_arn)["status"] == "FAILED":
        aws.redrive(execution_arn)


def act(aws: LocalAWS, job_id: str, action: Action, restarts: list[int]) -> None:
    kind, step, when = action
    operations = Operations(StackNames.from_physical_ids(aws.physical_ids))
    if kind == "replays":  # an operator's three impatient replays
        at_once(*[lambda: replay(aws, job_id)] * 3)
    elif kind == "race":  # the console's redrive, a replay and the schedule, together
        newest = runs_of(aws, job_id)[0]["executionArn"]
        at_once(
            lambda: redrive_if_failed(aws, newest),
            lambda: replay(aws, job_id),
            lambda: act(aws, job_id, ("retry", "", ""), restarts),
        )
    elif kind == "crash":
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
        # THEN at every point: at most one image bill, one delivery and one "ready", and no
        # run that lost the delivery to another told the member it failed
        assert BILLS[f"ONCE {marker.upper()}"] <= 1, actions
        assert deliveries(outbox, job_id) <= 1, actions
        assert ready_notices(outbox, job_id) <= 1, (actions, told(outbox, job_id))
        assert in_progress_notices(outbox, job_id) == 0, (actions, told(outbox, job_id))
    # AND once nothing crashes any more, a redrive of a failed newest run delivers it, once
    ARMED.clear()
    newest = runs_of(local_aws, job_id)[0]
    if newest["status"] == "FAILED":
        local_aws.redrive(newest["executionArn"])
        newest = local_aws.wait(newest["executionArn"])
    assert newest["status"] == "SUCCEEDED", actions
    assert deliveries(outbox, job_id) == 1, actions
    assert ready_notices(outbox, job_id) == 1, (actions, told(outbox, job_id))
    assert BILLS[f"ONCE {marker.upper()}"] == 1, actions
    record = local_aws.job(job_id)
    assert record.status == "DELIVERED", actions


def test_concurrent_replays_and_a_redrive_of_a_job_that_failed_at_upload_deliver_it_once(
    local_aws: LocalAWS, outbox: Path, crashing_steps: None
) -> None:
    # GIVEN a job whose run failed at UploadEmoji
    ARMED.clear()
    job_id = f"race-{uuid.uuid4().hex[:8]}"
    ARMED["UploadEmoji"] = "before"
    failed = local_aws.wait(local_aws.start({"description": "race"}, job_id))
    assert failed["status"] == "FAILED"
    answers: list[dict[str, str]] = []
    # WHEN three replays, a redrive and a restart of it run at the same time
    at_once(
        lambda: answers.append(replay(local_aws, job_id)),
        lambda: answers.append(replay(local_aws, job_id)),
        lambda: answers.append(replay(local_aws, job_id)),
        lambda: local_aws.redrive(failed["executionArn"]),
        lambda: act(local_aws, job_id, ("restart", "", ""), []),
    )
    runs = runs_of(local_aws, job_id)
    # THEN the three replays started one run at most (none once the job is delivered), and
    # the job was delivered exactly once
    assert len({answer["as"] for answer in answers if "as" in answer}) <= 1, answers
    assert len(runs) <= 3, answers  # the first (redriven), one replay, the restart
    assert deliveries(outbox, job_id) == 1
    # AND the job ends delivered, whichever run delivered it; the member hears "ready" once and
    # no failure from the runs that lost the delivery
    assert local_aws.job(job_id).status == "DELIVERED"
    assert ready_notices(outbox, job_id) == 1, told(outbox, job_id)
    assert in_progress_notices(outbox, job_id) == 0, told(outbox, job_id)


def test_runs_of_one_job_at_upload_together_tell_the_member_ready_once_and_nothing_else(
    local_aws: LocalAWS, outbox: Path, crashing_steps: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a job whose run failed at UploadEmoji, and an upload that takes a second (the
    # embedded AWS skips retry waits: a run that loses the claim uses up its retries meanwhile)
    ARMED.clear()
    monkeypatch.setattr(sys.modules[__name__], "DELIVERY_SECONDS", 1.0)
    job_id = f"told-{uuid.uuid4().hex[:8]}"
    ARMED["UploadEmoji"] = "before"
    failed = local_aws.wait(local_aws.start({"description": "told"}, job_id))
    assert failed["status"] == "FAILED"
    before = told(outbox, job_id)

    def restart(n: int) -> None:
        local_aws.client("stepfunctions").start_execution(
            stateMachineArn=local_aws.state_machine_arn,
            name=f"{job_id}-retry{n}",
            input=failed["input"],
        )

    # WHEN its redrive and two new runs of it (the schedule's restarts) reach UploadEmoji at once
    at_once(
        lambda: local_aws.redrive(failed["executionArn"]),
        lambda: restart(1),
        lambda: restart(2),
    )
    runs = runs_of(local_aws, job_id)
    # THEN one of them delivered it, the others failed on its claim, and the member heard
    # "ready" once and nothing from the runs that lost
    assert deliveries(outbox, job_id) == 1
    errors = sorted(run.get("error", run["status"]) for run in runs)
    assert errors == ["DeliveryInProgress", "DeliveryInProgress", "SUCCEEDED"], runs
    after = told(outbox, job_id)[len(before) :]
    assert sum(" is ready: " in text for text in after) == 1, after
    assert [text for text in after if text.startswith("Could not make")] == [], after
    # AND a lost run is a duplicate: the job stays delivered, and its redrive tells nothing more
    assert local_aws.job(job_id).status == "DELIVERED"
    lost = next(run for run in runs if run["status"] == "FAILED")
    local_aws.redrive(lost["executionArn"])
    assert local_aws.wait(lost["executionArn"])["status"] == "SUCCEEDED"
    assert told(outbox, job_id)[len(before) :] == after


def test_a_redrive_after_the_member_was_told_tells_them_nothing_more(
    local_aws: LocalAWS, outbox: Path, crashing_steps: None
) -> None:
    # GIVEN a run that told the member, then crashed on its way out of NotifyUser
    ARMED.clear()
    job_id = f"told-{uuid.uuid4().hex[:8]}"
    ARMED["NotifyUser"] = "after"
    failed = local_aws.wait(local_aws.start({"description": "told twice"}, job_id))
    assert failed["status"] == "FAILED"
    assert ready_notices(outbox, job_id) == 1
    # WHEN the schedule redrives it
    local_aws.redrive(failed["executionArn"])
    # THEN the run succeeds, and the member was told once
    assert local_aws.wait(failed["executionArn"])["status"] == "SUCCEEDED"
    assert ready_notices(outbox, job_id) == 1, told(outbox, job_id)


def test_of_many_runs_claiming_a_delivery_at_once_one_gets_it_until_its_lease_ends(
    local_aws: LocalAWS,
) -> None:
    # GIVEN the jobs table, and a job nobody delivered
    jobs = DynamoDBJobRepository(local_aws.physical_ids["JobsTable"])
    job_id = f"claim-{uuid.uuid4().hex[:8]}"
    won: list[str] = []

    def claim(owner: str) -> None:
        if jobs.claim(job_id, "delivery", owner, 90):
            won.append(owner)

    # WHEN twenty runs claim its delivery at the same time
    at_once(*[lambda owner=f"run-{n}": claim(owner) for n in range(20)])
    # THEN exactly one holds it; a release by another owner leaves it held
    assert len(won) == 1, won
    jobs.release_claim(job_id, "delivery", "run-that-lost")
    assert not jobs.claim(job_id, "delivery", "late", 90)
    # AND a holder that died (its lease over) no longer keeps it
    job_id = f"claim-{uuid.uuid4().hex[:8]}"
    assert jobs.claim(job_id, "delivery", "crashed", lease_seconds=-1)
    assert jobs.claim(job_id, "delivery", "redrive", 90)
    # AND a delivered job is never claimed again, even with no live claim
    jobs.record_delivery(job_id, Delivery(method="outbox", emoji_name="x", location="y"), 0.0)
    jobs.release_claim(job_id, "delivery", "redrive")
    assert not jobs.claim(job_id, "delivery", "replay", 90)
