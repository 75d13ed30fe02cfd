"""GenerateImage claims a job's generation before asking the image service: of the runs of one
job that overlap (a replay, a redrive, the schedule), one makes and bills the images and the
others answer with them once stored. A run that lost the claim and ran out of retries while the
holder made them is a duplicate, which tells the member nothing."""

from __future__ import annotations

import io
import json
import time

import pytest
from PIL import Image

from emoji_smith.application import image_steps, steps
from emoji_smith.application.events import GenerateImageEvent
from emoji_smith.application.outcomes import (
    LOST_TO_ANOTHER_RUN,
    FailedExecution,
    record_failed_execution,
)
from emoji_smith.domain.circuit import CircuitPolicy
from emoji_smith.domain.costs import STILL_SIZE, bill_for
from emoji_smith.domain.errors import GenerationInProgress, ImageServiceUnavailable
from emoji_smith.domain.image_keys import original_key
from emoji_smith.domain.models import EmojiRequest, ImagePrompt, JobStatus
from emoji_smith.domain.prompts import build_prompt
from emoji_smith_local.template import PROJECT_ROOT, load_template
from fakes.in_memory import (
    CountingGenerator,
    InMemoryCircuit,
    InMemoryImages,
    InMemoryJobs,
    RecordingSlack,
)

REQUEST = EmojiRequest(user_id="U1", name="ship_it", description="ship it", style="cartoon")
EVENT = GenerateImageEvent(job_id="j1", request=REQUEST, prompt=build_prompt(REQUEST))
LEASE = image_steps.GENERATION_LEASE_SECONDS


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGBA", (64, 64), (200, 40, 40, 255)).save(buffer, "PNG")
    return buffer.getvalue()


class Bills:
    """What GenerateImage's handler is told the image service billed."""

    def __init__(self) -> None:
        self.images = 0

    def __call__(self, images: int, size: str) -> None:
        self.images += images


def generate(
    jobs: InMemoryJobs, store: InMemoryImages, generator: CountingGenerator, bills: Bills
) -> image_steps.Generated:
    return image_steps.generate_images(EVENT, store, generator, jobs, billed=bills)


def test_a_run_that_finds_the_generation_claimed_bills_nothing_and_is_retried() -> None:
    # GIVEN another run of the job making its images right now
    jobs, store, generator, bills = (
        InMemoryJobs(),
        InMemoryImages(),
        CountingGenerator(png()),
        Bills(),
    )
    assert jobs.claim("j1", "generation", "the-other-run", LEASE)
    # WHEN this run reaches GenerateImage
    # THEN it asks the image service nothing, and fails with the error the workflow retries
    with pytest.raises(GenerationInProgress, match="Another run of job j1"):
        generate(jobs, store, generator, bills)
    assert (generator.calls, bills.images) == (0, 0)
    assert GenerationInProgress.retryable


def test_the_retry_after_the_holder_stored_the_images_answers_with_them() -> None:
    # GIVEN a run that lost the claim to a holder that then made and stored the images
    jobs, store, generator, bills = (
        InMemoryJobs(),
        InMemoryImages(),
        CountingGenerator(png()),
        Bills(),
    )
    holder = generate(jobs, store, generator, bills)
    jobs.release_claim("j1", "generation", "not-the-holder")  # changes nothing
    # WHEN the workflow retries the losing run
    retried = generate(jobs, store, generator, bills)
    # THEN it answers with the holder's images: billed once
    assert retried.reused
    assert retried.images == holder.images
    assert (generator.calls, bills.images) == (1, REQUEST.options)


class StoredMeanwhile(InMemoryImages):
    """The holder stores the images (and its lapsed claim frees) just after this run looked."""

    def __init__(self, jobs: InMemoryJobs) -> None:
        super().__init__()
        self.jobs = jobs
        self.looked = False

    def exists(self, key: str) -> bool:
        if not self.looked:
            self.looked = True
            for index in range(REQUEST.options):
                self.put(original_key("j1", index), png(), "application/octet-stream")
            self.jobs.release_claim("j1", "generation", "holder")
            return False
        return super().exists(key)


def test_images_stored_between_the_look_and_the_claim_are_not_made_again() -> None:
    # GIVEN a holder that stores the images and gives its claim up just after this run looked
    jobs, generator, bills = InMemoryJobs(), CountingGenerator(png()), Bills()
    assert jobs.claim("j1", "generation", "holder", LEASE)
    store = StoredMeanwhile(jobs)
    # WHEN this run claims the generation
    generated = generate(jobs, store, generator, bills)
    # THEN it answers with the stored images, and bills nothing
    assert generated.reused
    assert (generator.calls, bills.images) == (0, 0)


def test_a_generation_that_failed_gives_its_claim_back_for_the_workflows_retry() -> None:
    # GIVEN the image service failing the first generation
    class DownOnce(CountingGenerator):
        def generate(self, prompt: ImagePrompt, count: int) -> list[bytes]:
            if self.calls == 0:
                self.calls += 1
                raise ImageServiceUnavailable("503")
            return super().generate(prompt, count)

    jobs, store, generator, bills = InMemoryJobs(), InMemoryImages(), DownOnce(png()), Bills()
    with pytest.raises(ImageServiceUnavailable):
        generate(jobs, store, generator, bills)
    # WHEN the ASL retries it seconds later (well within the lease)
    generated = generate(jobs, store, generator, bills)
    # THEN the retry claims it and makes the images, billed once
    assert not generated.reused
    assert bills.images == REQUEST.options


def test_a_claim_whose_holder_died_is_free_once_its_lease_ends() -> None:
    # GIVEN a claim whose holder timed out mid-generation, its lease over
    jobs, store, generator, bills = (
        InMemoryJobs(),
        InMemoryImages(),
        CountingGenerator(png()),
        Bills(),
    )
    assert jobs.claim("j1", "generation", "crashed", lease_seconds=-1)
    # WHEN a later run (a redrive) reaches GenerateImage
    generated = generate(jobs, store, generator, bills)
    # THEN it claims the generation and makes the images
    assert not generated.reused
    assert generator.calls == 1


def test_a_generation_claim_and_a_delivery_claim_are_apart() -> None:
    jobs = InMemoryJobs()
    assert jobs.claim("j1", "generation", "run-a", LEASE)
    assert jobs.claim("j1", "delivery", "run-b", steps.DELIVERY_LEASE_SECONDS)
    assert not jobs.claim("j1", "generation", "run-b", LEASE)


# -- A run that lost tells nothing ------------------------------------------------------------
def lost_run(jobs: InMemoryJobs, slack: RecordingSlack) -> str:
    """The failed-execution event of a run that used up its retries on GenerationInProgress."""
    execution = FailedExecution(
        "arn:aws:states:us-east-1:1:execution:m:j1-retry1",
        "FAILED",
        "j1",
        REQUEST.model_dump(),
        "GenerationInProgress",
        "Another run of job j1 is making its images",
    )
    policy = CircuitPolicy(threshold=2, window_seconds=300, cooldown_seconds=600)
    return record_failed_execution(
        execution,
        jobs=jobs,
        circuit=InMemoryCircuit(),
        slack=lambda: slack,
        policy=policy,
        now=time.time(),
    )[2]


def test_a_run_that_lost_to_a_run_still_generating_tells_nothing() -> None:
    # GIVEN a run holding the generation (the image service outlasting the other's retries)
    jobs, slack = InMemoryJobs(), RecordingSlack()
    assert jobs.claim("j1", "generation", "holder", LEASE)
    # WHEN the losing run's failure arrives
    # THEN it is a duplicate: nothing recorded, nothing told (the holder tells how it ends)
    assert lost_run(jobs, slack) == LOST_TO_ANOTHER_RUN
    assert slack.notes == []
    record = jobs.get("j1")
    assert record is not None
    assert record.error is None


def test_a_run_that_lost_to_images_already_made_tells_nothing() -> None:
    # GIVEN a job whose images were billed (the holder's claim since lapsed)
    jobs, slack = InMemoryJobs(), RecordingSlack()
    assert jobs.claim("j1", "generation", "holder", lease_seconds=-1)
    jobs.record_bill("j1", bill_for("gpt-image-2", "low", REQUEST.options, STILL_SIZE))
    # WHEN a losing run's failure arrives
    # THEN it tells nothing
    assert lost_run(jobs, slack) == LOST_TO_ANOTHER_RUN
    assert slack.notes == []


def test_a_run_that_lost_to_a_run_that_failed_too_is_told_as_a_retryable_failure() -> None:
    # GIVEN a holder whose generation failed (its claim given back), or that died (lapsed)
    for claim in ("given back", "lapsed"):
        jobs, slack = InMemoryJobs(), RecordingSlack()
        assert jobs.claim("j1", "generation", "holder", -1 if claim == "lapsed" else LEASE)
        if claim == "given back":
            jobs.release_claim("j1", "generation", "holder")
        # WHEN the losing run's failure arrives
        not_told = lost_run(jobs, slack)
        # THEN no images were made: recorded and told as a failure retried later
        assert not_told == "", claim
        record = jobs.get("j1")
        assert record is not None
        assert (record.status, record.error) == (JobStatus.FAILED, "GenerationInProgress")
        assert len(slack.notes) == 1
        assert GenerationInProgress.member_hint in slack.notes[0][1]


# -- The lease against the Lambda's timeout and the ASL's retries -----------------------------
@pytest.mark.parametrize(
    ("state", "function", "error", "lease"),
    [
        ("GenerateImage", "GenerateImageFunction", "GenerationInProgress", LEASE),
        ("UploadEmoji", "UploadEmojiFunction", "DeliveryInProgress", steps.DELIVERY_LEASE_SECONDS),
    ],
)
def test_a_live_holder_never_loses_its_claim_and_a_loser_waits_past_it(
    state: str, function: str, error: str, lease: int
) -> None:
    template = load_template()
    definition = (
        PROJECT_ROOT / template["Resources"]["EmojiPipeline"]["Properties"]["DefinitionUri"]
    )
    task = json.loads(definition.read_text())["States"][state]
    timeout = int(template["Resources"][function]["Properties"]["Timeout"])
    (rule,) = [rule for rule in task["Retry"] if error in rule["ErrorEquals"]]
    waits, interval = 0.0, float(rule["IntervalSeconds"])
    for _ in range(rule["MaxAttempts"]):
        waits += min(interval, rule.get("MaxDelaySeconds", interval))
        interval *= rule.get("BackoffRate", 2.0)
    # The holder's Lambda ends (done or timed out) before its lease; a loser's retries, with no
    # jitter to shorten them, wait past the lease of a holder that died
    assert timeout < lease < waits, (timeout, lease, waits)
    assert "JitterStrategy" not in rule
