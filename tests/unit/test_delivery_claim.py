"""UploadEmoji claims a job's delivery before delivering: of the runs of one job that overlap (a
replay, a redrive, the schedule), one delivers and the others never do."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from emoji_smith.application import steps
from emoji_smith.application.events import Choice, UploadEmojiEvent
from emoji_smith.domain.errors import DeliveryInProgress, SlackUnavailable
from emoji_smith.domain.models import Delivery, EmojiImages, EmojiRequest
from fakes.in_memory import InMemoryImages, InMemoryJobs, RecordingSlack

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
    assert jobs.claim_delivery("j1", "the-other-run", steps.DELIVERY_LEASE_SECONDS)
    # WHEN this run reaches UploadEmoji
    # THEN it delivers nothing, and fails with the error the workflow retries after the lease
    with pytest.raises(DeliveryInProgress, match="Another run of job j1"):
        steps.upload(EVENT, jobs, stored(), slack, share_url_seconds=60)
    assert slack.deliveries == []
    assert DeliveryInProgress.retryable


def test_the_retry_after_the_holder_delivered_answers_with_its_delivery() -> None:
    # GIVEN a run that lost the claim, and the holder that then delivered
    jobs, slack, store = InMemoryJobs(), RecordingSlack(), stored()
    assert jobs.claim_delivery("j1", "holder", steps.DELIVERY_LEASE_SECONDS)
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
    assert jobs.claim_delivery("j1", "crashed", lease_seconds=-1)
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
    assert jobs.claim_delivery("j1", "holder", steps.DELIVERY_LEASE_SECONDS)
    jobs.release_delivery("j1", "someone-else")
    assert not jobs.claim_delivery("j1", "third", steps.DELIVERY_LEASE_SECONDS)
