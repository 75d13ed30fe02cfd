"""UploadEmoji claims a job's delivery before delivering: of the runs of one job that overlap (a
replay, a redrive, the schedule), one delivers and the others never do. The member hears of it
once: NotifyUser claims the "ready" notice, and a run that lost the delivery and ran out of
retries is a duplicate, which tells nothing."""

from __future__ import annotations

import io
import time

import pytest
from PIL import Image

from emoji_smith.application import steps
from emoji_smith.application.events import Choice, NotifyUserEvent, UploadEmojiEvent
from emoji_smith.application.outcomes import (
    LOST_TO_ANOTHER_RUN,
    FailedExecution,
    record_failed_execution,
)
from emoji_smith.domain.circuit import CircuitPolicy
from emoji_smith.domain.errors import DeliveryInProgress, SlackUnavailable
from emoji_smith.domain.messages import success_message
from emoji_smith.domain.models import (
    Delivery,
    EmojiImages,
    EmojiRequest,
    GeneratedImages,
    JobStatus,
)
from fakes.in_memory import InMemoryCircuit, InMemoryImages, InMemoryJobs, RecordingSlack

REQUEST = EmojiRequest(user_id="U1", name="ship_it", description="ship it", style="cartoon")
KEY = "emoji/j1/option-0.png"
EVENT = UploadEmojiEvent(
    job_id="j1", request=REQUEST, emoji=EmojiImages(keys=[KEY], sizes=[1]), choice=Choice(index=0)
)


def stored() -> InMemoryImages:
    buffer = io.BytesIO()
    Image.new("RGBA", (64, 64), (200, 40, 40, 255)).save(buffer, "PNG")
    store = InMemoryImages()
    store.put(KEY, buffer.getvalue(), "image/png")
    return store


def test_a_run_that_finds_the_delivery_claimed_delivers_nothing_and_is_retried() -> None:
    # GIVEN another run of the job holding its delivery (it is uploading right now)
    jobs, slack = InMemoryJobs(), RecordingSlack()
    assert jobs.claim("j1", "delivery", "the-other-run", steps.DELIVERY_LEASE_SECONDS)
    # WHEN this run reaches UploadEmoji
    # THEN it delivers nothing, and fails with the error the workflow retries after the lease
    with pytest.raises(DeliveryInProgress, match="Another run of job j1"):
        steps.upload(EVENT, jobs, stored(), slack, share_url_seconds=60)
    assert slack.deliveries == []
    assert DeliveryInProgress.retryable


def test_the_retry_after_the_holder_delivered_answers_with_its_delivery() -> None:
    # GIVEN a run that lost the claim, and the holder that then delivered
    jobs, slack, store = InMemoryJobs(), RecordingSlack(), stored()
    assert jobs.claim("j1", "delivery", "holder", steps.DELIVERY_LEASE_SECONDS)
    with pytest.raises(DeliveryInProgress):
        steps.upload(EVENT, jobs, store, slack, share_url_seconds=60)
    delivery = Delivery(method="outbox", emoji_name="ship_it", location="there")
    jobs.record_delivery("j1", delivery, 0.0)
    # WHEN the workflow retries the losing run
    retried = steps.upload(EVENT, jobs, store, slack, share_url_seconds=60)
    # THEN it succeeds with the holder's delivery, and sends nothing
    assert (retried.delivery, retried.again) == (delivery, True)
    assert slack.deliveries == []


def test_a_claim_whose_holder_died_is_free_once_its_lease_ends() -> None:
    # GIVEN a claim whose holder crashed mid-upload, and whose lease has ended
    jobs, slack = InMemoryJobs(), RecordingSlack()
    assert jobs.claim("j1", "delivery", "crashed", lease_seconds=-1)
    # WHEN a later run (a redrive) reaches UploadEmoji
    uploaded = steps.upload(EVENT, jobs, stored(), slack, share_url_seconds=60)
    # THEN it claims the delivery and delivers, once
    assert not uploaded.again
    assert len(slack.deliveries) == 1


def test_a_delivery_that_failed_frees_the_claim_for_the_workflows_retry() -> None:
    # GIVEN Slack failing the first delivery
    jobs, slack, store = InMemoryJobs(), RecordingSlack(), stored()
    slack.down = True
    with pytest.raises(SlackUnavailable):
        steps.upload(EVENT, jobs, store, slack, share_url_seconds=60)
    # WHEN the ASL retries it seconds later (well within the lease), Slack back
    slack.down = False
    uploaded = steps.upload(EVENT, jobs, store, slack, share_url_seconds=60)
    # THEN the retry claims it and delivers (the failed run's claim was given back)
    assert not uploaded.again
    assert len(slack.deliveries) == 1


def test_a_claim_is_not_taken_from_another_owner_by_its_release() -> None:
    jobs = InMemoryJobs()
    assert jobs.claim("j1", "delivery", "holder", steps.DELIVERY_LEASE_SECONDS)
    jobs.release_claim("j1", "delivery", "someone-else")
    assert not jobs.claim("j1", "delivery", "third", steps.DELIVERY_LEASE_SECONDS)


# -- Telling the member once ------------------------------------------------------------------
def notify_event(delivery: Delivery) -> NotifyUserEvent:
    generated = GeneratedImages(original_keys=["k"], generator="badge")
    return NotifyUserEvent(job_id="j1", request=REQUEST, delivery=delivery, generated=generated)


def lost_run(jobs: InMemoryJobs, slack: RecordingSlack, now: float) -> str:
    """The failed-execution event of a run that used up its retries on DeliveryInProgress."""
    execution = FailedExecution(
        "arn:aws:states:us-east-1:1:execution:m:j1-retry1",
        "FAILED",
        "j1",
        REQUEST.model_dump(),
        "DeliveryInProgress",
        "Another run of job j1 is delivering it",
    )
    policy = CircuitPolicy(threshold=2, window_seconds=300, cooldown_seconds=600)
    return record_failed_execution(
        execution, jobs=jobs, circuit=InMemoryCircuit(), slack=lambda: slack, policy=policy, now=now
    )[2]


def test_two_runs_that_answer_with_one_delivery_tell_the_member_once() -> None:
    # GIVEN two runs of a job at UploadEmoji together: one delivers, the other's retry answers
    # with that delivery
    jobs, slack, store = InMemoryJobs(), RecordingSlack(), stored()
    assert jobs.claim("j1", "delivery", "holder", steps.DELIVERY_LEASE_SECONDS)
    with pytest.raises(DeliveryInProgress):
        steps.upload(EVENT, jobs, store, slack, share_url_seconds=60)
    jobs.release_claim("j1", "delivery", "holder")
    winner = steps.upload(EVENT, jobs, store, slack, share_url_seconds=60)
    loser = steps.upload(EVENT, jobs, store, slack, share_url_seconds=60)
    assert loser == steps.Uploaded(winner.delivery, again=True)
    # WHEN both reach NotifyUser
    steps.tell_delivered(notify_event(winner.delivery), slack, jobs)
    steps.tell_delivered(notify_event(loser.delivery), slack, jobs)
    # THEN the member is told "ready" once
    assert slack.notes == [("j1", success_message(winner.delivery))]


def test_a_ready_notice_slack_refused_is_sent_by_the_retry() -> None:
    # GIVEN Slack down when NotifyUser first tells the member
    jobs, slack = InMemoryJobs(), RecordingSlack(down=True)
    delivery = Delivery(method="outbox", emoji_name="ship_it", location="there")
    with pytest.raises(SlackUnavailable):
        steps.tell_delivered(notify_event(delivery), slack, jobs)
    # WHEN the ASL retries the step, Slack back
    slack.down = False
    steps.tell_delivered(notify_event(delivery), slack, jobs)
    # THEN the member is told, once
    assert slack.notes == [("j1", "Your emoji `ship_it` is ready: there")]


def test_a_run_that_lost_to_a_delivered_job_is_a_duplicate_that_tells_nothing() -> None:
    # GIVEN a job another run delivered, and a run of it that used up its retries meanwhile
    jobs, slack = InMemoryJobs(), RecordingSlack()
    delivery = Delivery(method="outbox", emoji_name="ship_it", location="there")
    jobs.record_delivery("j1", delivery, 0.0)
    # WHEN that run's failure arrives
    not_told = lost_run(jobs, slack, time.time())
    # THEN it is a duplicate: the member hears nothing, the job stays delivered with no error
    assert not_told == LOST_TO_ANOTHER_RUN
    assert slack.notes == []
    record = jobs.get("j1")
    assert record is not None
    assert (record.status, record.error) == (JobStatus.DELIVERED, None)


def test_a_run_that_lost_to_a_run_still_delivering_tells_nothing() -> None:
    # GIVEN a run holding the delivery (an upload outlasting the other's retries, as locally)
    jobs, slack = InMemoryJobs(), RecordingSlack()
    assert jobs.claim("j1", "delivery", "holder", steps.DELIVERY_LEASE_SECONDS)
    # WHEN the losing run's failure arrives
    # THEN it tells nothing: the holder tells the member how the job ends
    assert lost_run(jobs, slack, time.time()) == LOST_TO_ANOTHER_RUN
    assert slack.notes == []


def test_a_run_that_lost_to_a_run_that_failed_too_is_told_as_a_retryable_failure() -> None:
    # GIVEN a holder whose delivery failed (its claim given back) and a lapsed claim
    for claim in ("given back", "lapsed"):
        jobs, slack = InMemoryJobs(), RecordingSlack()
        assert jobs.claim("j1", "delivery", "holder", -1 if claim == "lapsed" else 90)
        if claim == "given back":
            jobs.release_claim("j1", "delivery", "holder")
        # WHEN the losing run's failure arrives
        not_told = lost_run(jobs, slack, time.time())
        # THEN the job is not delivered: recorded and told as a failure retried later
        assert not_told == "", claim
        record = jobs.get("j1")
        assert record is not None
        assert (record.status, record.error) == (JobStatus.FAILED, "DeliveryInProgress")
        assert len(slack.notes) == 1
        assert DeliveryInProgress.member_hint in slack.notes[0][1]
