"""The use cases on in-memory ports: the workflow's rules in milliseconds, no AWS, no Slack."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from PIL import Image

from emoji_smith.application import image_steps, steps
from emoji_smith.application.choosing import handle_click
from emoji_smith.application.events import (
    Choice,
    GenerateImageEvent,
    NotifyUserEvent,
    UploadEmojiEvent,
    ValidateEvent,
)
from emoji_smith.application.outcomes import FailedExecution, record_failed_execution
from emoji_smith.application.retry_schedule import retry_failed_jobs
from emoji_smith.application.spending import Spending, give_back, reserve
from emoji_smith.domain.choices import CANCEL_ACTION, CHOOSE_ACTION, REGENERATE_ACTION, Click
from emoji_smith.domain.circuit import IMAGE_SERVICE, CircuitPolicy, CircuitState
from emoji_smith.domain.conversations import Visibility
from emoji_smith.domain.costs import STILL_SIZE, bill_for
from emoji_smith.domain.errors import (
    AnimationUnavailable,
    CircuitOpen,
    InvalidRequest,
    QuotaExceeded,
    SlackUnavailable,
)
from emoji_smith.domain.models import (
    Delivery,
    EmojiImages,
    EmojiRequest,
    GeneratedImages,
    ImagePrompt,
    JobRecord,
    JobStatus,
)
from emoji_smith.domain.prompts import build_prompt
from emoji_smith.domain.quotas import Limits, Period
from fakes.in_memory import (
    CountingGenerator,
    InMemoryCircuit,
    InMemoryImages,
    InMemoryJobs,
    InMemoryLedger,
    InMemoryWorkflow,
    RecordingSlack,
    failed_run,
)

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
POLICY = CircuitPolicy(threshold=3, window_seconds=300, cooldown_seconds=600)
REQUEST = EmojiRequest(user_id="U1", name="ship_it", description="ship it", style="cartoon")


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGBA", (64, 64), (200, 40, 40, 255)).save(buffer, "PNG")
    return buffer.getvalue()


def prompt() -> ImagePrompt:
    return build_prompt(REQUEST)


def record(jobs: InMemoryJobs, job_id: str) -> JobRecord:
    found = jobs.get(job_id)
    assert found is not None, f"no record of {job_id}"
    return found


# -- Validate, GenerateImage, UploadEmoji: at most one bill and one delivery ---------------
def test_generating_again_reuses_the_stored_images_and_bills_nothing() -> None:
    # GIVEN a job whose images were generated once
    store, generator = InMemoryImages(), CountingGenerator(png())
    event = GenerateImageEvent(job_id="j1", request=REQUEST, prompt=prompt())
    jobs = InMemoryJobs()
    first = image_steps.generate_images(event, store, generator, jobs)
    # WHEN the step runs again (an ASL retry, a redrive, a replay)
    second = image_steps.generate_images(event, store, generator, jobs)
    # THEN the service was called once, and the second run reused the stored keys
    assert generator.calls == 1
    assert (first.reused, second.reused) == (False, True)
    assert second.images.original_keys == first.images.original_keys


class RefusesAnimation(CountingGenerator):
    """An account without GIF output: an animated request is refused (and not billed)."""

    def generate(self, prompt: ImagePrompt, count: int) -> list[bytes]:
        if prompt.animated:
            raise AnimationUnavailable("output_format gif is not available")
        return super().generate(prompt, count)


def test_a_refused_ai_animation_is_told_again_when_the_step_reruns() -> None:
    # GIVEN an AI animation refused by the service, so the job stored a still
    store, generator = InMemoryImages(), RefusesAnimation(png())
    jobs = InMemoryJobs()
    animated = prompt().model_copy(update={"animated": True})
    event = GenerateImageEvent(job_id="j1", request=REQUEST, prompt=animated)
    first = image_steps.generate_images(event, store, generator, jobs)
    # WHEN the step runs again (a redrive after the images were stored)
    second = image_steps.generate_images(event, store, generator, jobs)
    # THEN both runs carry the note for the member, and the service was asked once for a still
    assert first.images.note == second.images.note == AnimationUnavailable.member_hint
    assert second.reused
    assert generator.calls == 1


def test_uploading_again_answers_with_the_recorded_delivery() -> None:
    jobs, store, slack = InMemoryJobs(), InMemoryImages(), RecordingSlack()
    store.put("emoji/j1/option-0.png", png(), "image/png")
    event = UploadEmojiEvent(
        job_id="j1",
        request=REQUEST,
        emoji=EmojiImages(keys=["emoji/j1/option-0.png"], sizes=[1]),
        choice=Choice(index=0),
    )
    first = steps.upload(event, jobs, store, slack, share_url_seconds=60)
    second = steps.upload(event, jobs, store, slack, share_url_seconds=60)
    assert len(slack.deliveries) == 1
    assert (first.again, second.again) == (False, True)
    assert second.delivery == first.delivery


def test_an_option_that_does_not_exist_uploads_nothing() -> None:
    jobs, store, slack = InMemoryJobs(), InMemoryImages(), RecordingSlack()
    event = UploadEmojiEvent(
        job_id="j1",
        request=REQUEST,
        emoji=EmojiImages(keys=["emoji/j1/option-0.png"], sizes=[1]),
        choice=Choice(index=3),
    )
    with pytest.raises(InvalidRequest, match="Option 4 does not exist"):
        steps.upload(event, jobs, store, slack, share_url_seconds=60)
    assert slack.deliveries == []


def test_validating_a_delivered_job_again_is_a_replay_that_records_and_tells_nothing() -> None:
    # GIVEN a delivered job
    jobs, slack = InMemoryJobs(), RecordingSlack()
    jobs.record_delivery("j1", Delivery(method="outbox", emoji_name="x", location="f"), 0.0)
    # WHEN Validate runs again for it
    validated = steps.validate(
        ValidateEvent(job_id="j1", request=REQUEST.model_dump()),
        jobs,
        slack,
        images_configured=True,
    )
    # THEN it is a replay: still DELIVERED, and the member is not told "working on it" again
    assert validated.replay
    assert record(jobs, "j1").status == JobStatus.DELIVERED
    assert slack.notes == []


def test_a_delivered_status_never_moves_back() -> None:
    jobs = InMemoryJobs()
    jobs.record_delivery("j1", Delivery(method="outbox", emoji_name="x", location="f"), 0.0)
    jobs.record_failure("j1", REQUEST, "SlackUnavailable", "late failure")
    jobs.record_retry("j1", 1, "SlackUnavailable", "redrive")
    kept = record(jobs, "j1")
    assert (kept.status, kept.error, kept.attempts) == (
        JobStatus.DELIVERED,
        "SlackUnavailable",
        1,
    )


def test_progress_that_cannot_be_posted_does_not_fail_validation() -> None:
    validated = steps.validate(
        ValidateEvent(job_id="j1", request=REQUEST.model_dump()),
        InMemoryJobs(),
        RecordingSlack(down=True),
        images_configured=True,
    )
    assert validated.progress_problem == "SlackUnavailable"


# -- BuildPrompt: enhancement is best effort ------------------------------------------------------
class BrokenEnhancer:
    def enhance(self, idea: str, context: str) -> str:
        raise TimeoutError("text model timed out")


def test_a_failing_prompt_enhancer_falls_back_to_the_template_prompt() -> None:
    written, problem = steps.write_prompt(REQUEST, BrokenEnhancer)
    assert written == build_prompt(REQUEST)
    assert problem == "TimeoutError: text model timed out"


def test_the_offline_style_never_builds_an_enhancer() -> None:
    built: list[int] = []

    def factory() -> BrokenEnhancer:
        built.append(1)
        return BrokenEnhancer()

    written, problem = steps.write_prompt(REQUEST.model_copy(update={"style": "badge"}), factory)
    assert (built, problem) == ([], "")
    assert written.style == "badge"


# -- The circuit breaker ---------------------------------------------------------------------
def fail(circuit: InMemoryCircuit, at: float) -> CircuitState:
    return (
        record_failed_execution(
            FailedExecution(
                "arn", "FAILED", "j", REQUEST.model_dump(), "ImageServiceUnavailable", ""
            ),
            jobs=InMemoryJobs(),
            circuit=circuit,
            slack=RecordingSlack,
            policy=POLICY,
            now=at,
        )[1]
        or CircuitState()
    )


def test_the_circuit_opens_after_the_threshold_within_the_window() -> None:
    circuit = InMemoryCircuit()
    fail(circuit, 1000)
    fail(circuit, 1100)
    steps.check_circuit(circuit, "cartoon", 1150)  # two failures: still closed
    fail(circuit, 1200)
    with pytest.raises(CircuitOpen):
        steps.check_circuit(circuit, "cartoon", 1201)


def test_failures_outside_the_window_do_not_add_up() -> None:
    circuit = InMemoryCircuit()
    for at in (0, 400, 800):  # each older than 300 s when the next comes
        fail(circuit, at)
    assert not circuit.load(IMAGE_SERVICE).is_open(801)


def test_half_open_a_failed_probe_reopens_at_once_and_a_success_closes() -> None:
    # GIVEN an open circuit whose cooldown has passed (half-open)
    circuit = InMemoryCircuit()
    for at in (1000, 1001, 1002):
        fail(circuit, at)
    half_open = 1002 + POLICY.cooldown_seconds
    assert steps.check_circuit(circuit, "cartoon", half_open)["needs_closing"]
    # WHEN the probe fails once
    fail(circuit, half_open + 1)
    # THEN it is open again for a full cooldown (one failure, not the threshold)
    with pytest.raises(CircuitOpen):
        steps.check_circuit(circuit, "cartoon", half_open + 2)
    # AND after that cooldown, a successful job closes it for good
    later = half_open + 1 + POLICY.cooldown_seconds
    steps.check_circuit(circuit, "cartoon", later)
    report = steps.close_circuit(circuit, later)
    assert (report["open"], report["needs_closing"]) == (False, False)


def test_an_open_circuit_does_not_stop_the_offline_style() -> None:
    circuit = InMemoryCircuit()
    circuit.save(IMAGE_SERVICE, CircuitState(open_until=10_000))
    assert steps.check_circuit(circuit, "badge", 1)["open"] is False


# -- The retry schedule ------------------------------------------------------------------------
def retry(
    workflow: InMemoryWorkflow, jobs: InMemoryJobs, ledger: InMemoryLedger | None = None
) -> dict[str, object]:
    return retry_failed_jobs(
        workflow, jobs, max_attempts=3, lookback=timedelta(days=30), now=workflow.now, ledger=ledger
    ).as_dict()


def test_a_recent_failure_is_redriven_and_counted() -> None:
    workflow, jobs = InMemoryWorkflow(NOW), InMemoryJobs()
    workflow.runs.append(failed_run("j1", "ImageServiceUnavailable", now=NOW))
    report = retry(workflow, jobs)
    assert report["redriven"] == ["j1"]
    assert record(jobs, "j1").attempts == 1


def test_a_failure_too_old_to_redrive_restarts_as_a_new_execution_once() -> None:
    # GIVEN a failure that stopped 15 days ago (redrive allows 14)
    workflow, jobs = InMemoryWorkflow(NOW), InMemoryJobs()
    workflow.runs.append(
        failed_run("j1", "SlackUnavailable", now=NOW, stopped_ago=timedelta(days=15))
    )
    # WHEN the schedule runs twice
    first, second = retry(workflow, jobs), retry(workflow, jobs)
    # THEN one new execution with the same input; the second run sees it and starts nothing
    assert first["restarted"] == ["j1"]
    assert second["restarted"] == []
    assert [started["job_id"] for started in workflow.started.values()] == ["j1"]
    assert workflow.redriven == []


def test_the_schedule_gives_up_after_the_retry_limit() -> None:
    workflow, jobs = InMemoryWorkflow(NOW), InMemoryJobs()
    workflow.runs.append(failed_run("j1", "RateLimited", now=NOW))
    for attempt in (1, 2, 3):
        jobs.record_retry("j1", attempt, "RateLimited", "redrive")
    report = retry(workflow, jobs)
    assert report["skipped"] == {"j1": "gave up after 3 retries"}
    assert workflow.redriven == []


def test_a_job_given_up_on_gives_back_its_unbilled_reservation_once() -> None:
    # GIVEN a job that reserved one image, failed retryably, and used up its retries
    workflow, jobs, ledger = InMemoryWorkflow(NOW), InMemoryJobs(), InMemoryLedger()
    validated("j1", jobs, ledger)
    workflow.runs.append(failed_run("j1", "ImageServiceUnavailable", now=NOW))
    for attempt in (1, 2, 3):
        jobs.record_retry("j1", attempt, "ImageServiceUnavailable", "redrive")
    assert ledger.spent(REQUEST.team_id, "U1", Period.at(NOW))[0] == 1
    # WHEN the schedule runs (twice)
    first, second = retry(workflow, jobs, ledger), retry(workflow, jobs, ledger)
    # THEN the member's image is given back once, and nothing is retried
    assert (first["released"], second["released"]) == (["j1"], [])
    assert ledger.spent(REQUEST.team_id, "U1", Period.at(NOW)) == (0, 0.0)
    assert workflow.redriven == []


def test_a_billed_job_given_up_on_keeps_its_charge() -> None:
    workflow, jobs, ledger = InMemoryWorkflow(NOW), InMemoryJobs(), InMemoryLedger()
    validated("j1", jobs, ledger)
    jobs.record_bill("j1", bill_for("gpt-image-2", "low", 1, STILL_SIZE))
    workflow.runs.append(failed_run("j1", "SlackRejected", now=NOW))
    assert retry(workflow, jobs, ledger)["released"] == []
    assert ledger.spent(REQUEST.team_id, "U1", Period.at(NOW))[0] == 1


def test_an_outcome_is_never_retried() -> None:
    workflow, jobs = InMemoryWorkflow(NOW), InMemoryJobs()
    workflow.runs.append(failed_run("j1", "ContentRejected", now=NOW))
    assert retry(workflow, jobs)["skipped"] == {"j1": "ContentRejected is never retried"}


# -- Choosing among candidates -------------------------------------------------------------------
def waiting_job(options: int = 3) -> tuple[InMemoryJobs, InMemoryWorkflow]:
    jobs, workflow = InMemoryJobs(), InMemoryWorkflow(NOW)
    request = REQUEST.model_copy(update={"options": options})
    jobs.record_progress("j1", request, JobStatus.RUNNING, "Validate")
    jobs.await_choice("j1", "token-1", request)
    workflow.open_tokens.add("token-1")
    return jobs, workflow


def test_only_the_member_who_asked_can_choose() -> None:
    jobs, workflow = waiting_job()
    answer = handle_click(Click(CHOOSE_ACTION, "j1", 0), "U2", jobs, workflow)
    assert answer == "Only <@U1> can choose here."
    assert workflow.resumed == []
    assert record(jobs, "j1").choice_state == "waiting"


def test_a_double_click_decides_once() -> None:
    jobs, workflow = waiting_job()
    first = handle_click(Click(CHOOSE_ACTION, "j1", 1), "U1", jobs, workflow)
    second = handle_click(Click(CHOOSE_ACTION, "j1", 2), "U1", jobs, workflow)
    assert first == "Option 2 it is: adding it now."
    assert second == "Already decided (chosen)."
    assert workflow.resumed == [("token-1", {"index": 1})]


def test_a_choice_that_expired_meanwhile_uploads_nothing() -> None:
    # GIVEN the wait timed out in the workflow (its token no longer resumes anything)
    jobs, workflow = waiting_job()
    workflow.open_tokens.clear()
    answer = handle_click(Click(CHOOSE_ACTION, "j1", 0), "U1", jobs, workflow)
    assert answer == "This choice has expired: nothing was uploaded."


def test_a_forged_option_decides_nothing_and_the_real_click_still_counts() -> None:
    jobs, workflow = waiting_job(options=3)
    forged = handle_click(Click(CHOOSE_ACTION, "j1", 7), "U1", jobs, workflow)
    real = handle_click(Click(CHOOSE_ACTION, "j1", 2), "U1", jobs, workflow)
    assert forged == "That option does not exist; pick one of the buttons."
    assert real == "Option 3 it is: adding it now."


def test_a_click_on_a_job_with_no_open_choice_is_refused() -> None:
    jobs, workflow = InMemoryJobs(), InMemoryWorkflow(NOW)
    answer = handle_click(Click(CHOOSE_ACTION, "nope", 0), "U1", jobs, workflow)
    assert answer == "This choice is no longer open."


def test_cancel_ends_the_wait_and_regenerate_starts_the_same_request_again() -> None:
    jobs, workflow = waiting_job()
    assert handle_click(Click(CANCEL_ACTION, "j1"), "U1", jobs, workflow).startswith("Cancelled")
    assert workflow.aborted == [("token-1", "ChoiceCancelled")]

    jobs, workflow = waiting_job()
    answer = handle_click(Click(REGENERATE_ACTION, "j1"), "U1", jobs, workflow)
    (new_job, execution_input), *_ = workflow.started.items()
    assert answer == f"New options are on their way (job {new_job})."
    assert execution_input["request"]["name"] == "ship_it"
    assert workflow.aborted == [("token-1", "ChoiceCancelled")]


# -- Spending: the member's day, the workspace's month -------------------------------------------
def spending(ledger: InMemoryLedger, daily: int = 2, budget: float = 1.0) -> Spending:
    return Spending(ledger, Limits(daily, budget), "gpt-image-2", "low", NOW)


def validated(
    job_id: str, jobs: InMemoryJobs, ledger: InMemoryLedger, daily: int = 2, budget: float = 1.0
) -> None:
    """Validate as the workflow runs it: the reservation is kept with the job."""
    steps.validate(
        ValidateEvent(job_id=job_id, request=REQUEST.model_dump()),
        jobs,
        RecordingSlack(),
        images_configured=True,
        spending=spending(ledger, daily, budget),
    )


def test_a_job_is_counted_once_even_when_validated_again() -> None:
    jobs, ledger = InMemoryJobs(), InMemoryLedger()
    validated("j1", jobs, ledger)
    validated("j1", jobs, ledger)  # a replay, a retry
    assert ledger.spent("local", "U1", Period.at(NOW)) == (1, 0.006)


def test_the_members_day_and_the_workspaces_month_each_stop_a_job() -> None:
    ledger = InMemoryLedger()
    validated("j1", InMemoryJobs(), ledger, daily=1)
    with pytest.raises(QuotaExceeded, match="You have used your 1 images for today"):
        validated("j2", InMemoryJobs(), ledger, daily=1)
    other = REQUEST.model_copy(update={"user_id": "U2", "options": 2})
    with pytest.raises(QuotaExceeded, match=r"spent its \$0.01 image budget"):
        reserve("j3", other, InMemoryJobs(), spending(ledger, daily=9, budget=0.01))


def test_offline_styles_are_never_counted() -> None:
    ledger = InMemoryLedger()
    badge = REQUEST.model_copy(update={"style": "badge"})
    assert reserve("j1", badge, InMemoryJobs(), spending(ledger, daily=0)) is None
    assert ledger.spent("local", "U1", Period.at(NOW)) == (0, 0.0)


def test_only_an_unbilled_reservation_is_given_back_and_only_once() -> None:
    jobs, ledger = InMemoryJobs(), InMemoryLedger()
    validated("j1", jobs, ledger)
    validated("j2", jobs, ledger)
    jobs.record_bill("j2", bill_for("gpt-image-2", "low", 1, STILL_SIZE))
    assert give_back("j1", jobs, ledger) is True
    assert give_back("j1", jobs, ledger) is False  # twice: once
    assert give_back("j2", jobs, ledger) is False  # billed: kept
    assert ledger.spent("local", "U1", Period.at(NOW)) == (1, 0.006)


# -- Announcements ------------------------------------------------------------------------------
def delivered_event(visibility: Visibility = "public") -> NotifyUserEvent:
    return NotifyUserEvent(
        job_id="j1",
        request=REQUEST.model_copy(update={"visibility": visibility}),
        delivery=Delivery(
            method="file_share", emoji_name="ship_it", location="https://x/p", shared_in="thread"
        ),
        generated=GeneratedImages(original_keys=["k"], generator="openai"),
    )


def test_a_new_emoji_is_announced_once_even_when_the_step_runs_again() -> None:
    jobs, slack = InMemoryJobs(), RecordingSlack()
    steps.tell_delivered(delivered_event(), slack, jobs, "C-ann")
    steps.tell_delivered(delivered_event(), slack, jobs, "C-ann")  # a retry, a replay
    assert slack.announcements == [("C-ann", "New emoji `ship_it` by <@U1> — https://x/p")]
    assert len(slack.notes) == 1  # and the member told once


def test_an_emoji_made_in_private_is_never_announced() -> None:
    # GIVEN an emoji made in a private channel, a group DM or a DM
    jobs, slack = InMemoryJobs(), RecordingSlack()
    # WHEN it is delivered in a workspace with an announcement channel
    steps.tell_delivered(delivered_event("private"), slack, jobs, "C-ann")
    # THEN the member is told, and nothing is announced
    assert slack.announcements == []
    assert len(slack.notes) == 1


def test_a_failed_announcement_is_left_for_the_retry() -> None:
    jobs, slack = InMemoryJobs(), RecordingSlack()

    class Flaky(RecordingSlack):
        def announce(
            self, job_id: str, channel: str, text: str, blocks: list[dict[str, Any]] | None = None
        ) -> None:
            raise SlackUnavailable("Slack answered 503")

    with pytest.raises(SlackUnavailable):
        steps.tell_delivered(delivered_event(), Flaky(), jobs, "C-ann")
    steps.tell_delivered(delivered_event(), slack, jobs, "C-ann")
    assert len(slack.announcements) == 1


def test_regenerate_at_the_daily_limit_keeps_the_open_choice() -> None:
    # GIVEN a 2-option job waiting for a choice, whose 2 images used the member's day
    jobs, workflow = waiting_job(options=2)
    ledger = InMemoryLedger()
    reserve("j1", REQUEST.model_copy(update={"options": 2}), jobs, spending(ledger, daily=2))
    # WHEN the member clicks Regenerate
    answer = handle_click(
        Click(REGENERATE_ACTION, "j1"), "U1", jobs, workflow, spending(ledger, daily=2)
    )
    # THEN they are told the limit, and the choice stays open: nothing cancelled, nothing started
    assert answer.startswith("You have used your 2 images for today.")
    assert answer.endswith("Your options stay open: pick one of them, or cancel.")
    assert workflow.aborted == []
    assert workflow.started == {}
    assert record(jobs, "j1").choice_state == "waiting"
    # AND a choice is still possible
    assert handle_click(Click(CHOOSE_ACTION, "j1", 1), "U1", jobs, workflow).startswith("Option 2")


def test_regenerate_within_the_limit_starts_new_options() -> None:
    jobs, workflow = waiting_job(options=2)
    answer = handle_click(
        Click(REGENERATE_ACTION, "j1"), "U1", jobs, workflow, spending(InMemoryLedger(), daily=4)
    )
    assert answer.startswith("New options are on their way")
    assert workflow.aborted == [("token-1", "ChoiceCancelled")]


def test_reserving_more_options_than_a_day_allows_says_the_real_figures() -> None:
    # GIVEN a member who used nothing today, with 3 a day WHEN they ask for 4 options
    four = REQUEST.model_copy(update={"options": 4})
    with pytest.raises(QuotaExceeded) as refused:
        reserve("j1", four, InMemoryJobs(), spending(InMemoryLedger(), daily=3, budget=9.0))
    # THEN the refusal says so, and not that they used their images
    assert "at most 3 a day (3 left today)" in str(refused.value)
    assert "used" not in str(refused.value)
