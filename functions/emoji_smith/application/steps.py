"""The workflow's steps: each is one function that takes its ports, so it runs the same in
Lambda (handlers/), on the embedded AWS, and in unit tests with in-memory fakes.

Every step may run again (an ASL retry, a redrive, a replay): each is idempotent per job — a
job is billed at most once per image and delivered at most once.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Collection
from dataclasses import dataclass

from emoji_smith.application.events import (
    AwaitChoiceEvent,
    NotifyUserEvent,
    PersistEmojiEvent,
    UploadEmojiEvent,
    ValidateEvent,
)
from emoji_smith.application.spending import Spending, reserve
from emoji_smith.domain.choices import Candidate
from emoji_smith.domain.circuit import IMAGE_SERVICE, CircuitReport, CircuitState, circuit_report
from emoji_smith.domain.costs import AWS_PER_EMOJI_USD
from emoji_smith.domain.errors import (
    CircuitOpen,
    DeliveryInProgress,
    EmojiSmithError,
    InvalidRequest,
)
from emoji_smith.domain.messages import (
    announcement,
    announcement_blocks,
    success_message,
    working_message,
)
from emoji_smith.domain.models import (
    Delivery,
    EmojiRequest,
    ImagePrompt,
    JobStatus,
    Notice,
)
from emoji_smith.domain.prompts import build_prompt
from emoji_smith.domain.styles import PRESETS, style_not_offered
from emoji_smith.domain.validation import parse_request, validate_request
from emoji_smith.ports import (
    CircuitStore,
    ImageStore,
    JobRepository,
    PromptEnhancer,
    SlackGateway,
)

#: How long a run holds a job's delivery: longer than UploadEmoji's Lambda timeout (60 s), so a
#: live holder never loses it; the ASL retries DeliveryInProgress for longer than this.
DELIVERY_LEASE_SECONDS = 90

#: Slack fetches candidate images when it renders the message; an hour covers a late look.
CANDIDATE_URL_SECONDS = 3600


@dataclass(frozen=True)
class Validated:
    request: EmojiRequest
    #: A replay of a delivered job: nothing is recorded or told again.
    replay: bool = False
    #: Why the progress message could not be posted ("" if it was, or was not needed).
    progress_problem: str = ""


def validate(
    event: ValidateEvent,
    jobs: JobRepository,
    slack: SlackGateway,
    *,
    images_configured: bool,
    spending: Spending | None = None,
    styles_offered: Collection[str] | None = None,
) -> Validated:
    """The request checked, counted against the limits (image styles), recorded as RUNNING and
    the member told it has started. `styles_offered`: the workspace's; a new job in another
    style is refused (a job already started keeps its style if an admin drops it later)."""
    request = validate_request(parse_request(event.request), images_configured)
    record = jobs.get(event.job_id)
    if record is not None and record.delivered:
        return Validated(request, replay=True)
    if record is None and styles_offered is not None and request.style not in styles_offered:
        raise InvalidRequest(style_not_offered(request.style))
    charge = reserve(event.job_id, request, jobs, spending, record) if spending else None
    jobs.record_progress(event.job_id, request, JobStatus.RUNNING, "Validate", charge)
    try:
        slack.notify(event.job_id, request, working_message(request.name, request.note))
    except EmojiSmithError as error:  # progress is best effort; the result message is not
        return Validated(request, progress_problem=type(error).__name__)
    return Validated(request)


def write_prompt(
    request: EmojiRequest, enhancer: Callable[[], PromptEnhancer | None]
) -> tuple[ImagePrompt, str]:
    """The prompt, and why enhancement failed ("" if it worked or was not wanted). Only image
    styles ask a text model (the factory is called only then), and its rewrite is best effort
    by design: it never fails the job."""
    enhanced: str | None = None
    problem = ""
    wanted = enhancer() if PRESETS[request.style].needs_image_service else None
    if wanted is not None:
        try:
            enhanced = wanted.enhance(
                request.description or request.message_text, request.message_text
            )
        except Exception as error:
            problem = f"{type(error).__name__}: {error}"
    return build_prompt(request, enhanced), problem


def check_circuit(circuits: CircuitStore, style: str, now: float) -> CircuitReport:
    preset = PRESETS.get(style)
    state = CircuitState()
    if preset is not None and preset.needs_image_service:
        state = circuits.load(IMAGE_SERVICE)
    report = circuit_report(state, now)
    if report["open"]:
        raise CircuitOpen(report["cause"])
    return report


def close_circuit(circuits: CircuitStore, now: float) -> CircuitReport:
    circuits.save(IMAGE_SERVICE, CircuitState())
    return circuit_report(CircuitState(), now)


def persist(event: PersistEmojiEvent, jobs: JobRepository) -> dict[str, str]:
    jobs.record_images(
        event.job_id, event.prompt.text, event.generated.original_keys, event.emoji.keys
    )
    return {"status": JobStatus.READY.value, "emoji_key": event.emoji.keys[0]}


def offer_choices(
    event: AwaitChoiceEvent, store: ImageStore, jobs: JobRepository, slack: SlackGateway
) -> int:
    """Keep the task token server-side, then show the candidates: a click decides through the
    job record (`application.choosing`), never with a token it carries."""
    candidates = [
        Candidate(index, store.get(key), store.share_url(key, CANDIDATE_URL_SECONDS))
        for index, key in enumerate(event.emoji.keys)
    ]
    jobs.await_choice(event.job_id, event.task_token, event.request)
    slack.offer_choices(event.job_id, event.request, candidates)
    return len(candidates)


@dataclass(frozen=True)
class Uploaded:
    delivery: Delivery
    #: Already delivered before this run: the recorded delivery, nothing sent again.
    again: bool = False


def upload(
    event: UploadEmojiEvent,
    jobs: JobRepository,
    store: ImageStore,
    slack: SlackGateway,
    *,
    share_url_seconds: int,
) -> Uploaded:
    """Delivered by whichever run claims the job's delivery first (runs of one job may overlap:
    a replay, a redrive, the schedule); the others answer with its recorded delivery, or, while
    the claim is live, raise `DeliveryInProgress` for the workflow to retry after its lease."""
    record = jobs.get(event.job_id)
    if record is not None and record.delivery is not None:
        return Uploaded(record.delivery, again=True)
    choice = event.choice.index
    if not 0 <= choice < len(event.emoji.keys):
        raise InvalidRequest(
            f"Option {choice + 1} does not exist; there are {len(event.emoji.keys)}."
        )
    owner = uuid.uuid4().hex
    if not jobs.claim(event.job_id, "delivery", owner, DELIVERY_LEASE_SECONDS):
        record = jobs.get(event.job_id)
        if record is not None and record.delivery is not None:
            return Uploaded(record.delivery, again=True)
        raise DeliveryInProgress(
            f"Another run of job {event.job_id} is delivering it; this one checks again "
            f"once that claim ends (at most {DELIVERY_LEASE_SECONDS} s)."
        )
    key = event.emoji.keys[choice]
    filename = f"{event.request.name}.{key.rsplit('.', 1)[-1]}"
    try:
        delivery = slack.deliver_emoji(
            event.job_id,
            event.request,
            store.get(key),
            filename,
            store.share_url(key, share_url_seconds),
        )
    except Exception:
        jobs.release_claim(event.job_id, "delivery", owner)  # the workflow's retry claims it again
        raise
    jobs.record_delivery(event.job_id, delivery, AWS_PER_EMOJI_USD)
    return Uploaded(delivery)


def tell_delivered(
    event: NotifyUserEvent,
    slack: SlackGateway,
    jobs: JobRepository,
    announce_in: str = "",
) -> None:
    """Tell the member, once per job: runs of a job that overlap (a replay, a redrive, the
    schedule) all answer UploadEmoji with the one delivery, and each reaches this step. Where the
    workspace has an announcement channel, announce the new emoji there once too. Only an emoji
    made in a public channel is announced: a private channel's, a group DM's or a DM's never is."""
    text = success_message(event.delivery, event.generated.note)
    send_once(jobs, event.job_id, "ready", lambda: slack.notify(event.job_id, event.request, text))
    if event.request.visibility != "public" or not announce_in:
        return
    # A file sent to the maker's DM is theirs alone: announced without its picture or link.
    in_thread = event.delivery.shared_in == "thread"
    send_once(
        jobs,
        event.job_id,
        "announcement",
        lambda: slack.announce(
            event.job_id,
            announce_in,
            announcement(event.delivery, event.request.user_id, in_thread),
            announcement_blocks(event.delivery, event.request.user_id, in_thread),
        ),
    )


def send_once(jobs: JobRepository, job_id: str, notice: Notice, send: Callable[[], None]) -> None:
    """Send unless another run of the job did: claimed first, and given back if sending fails
    (the retry sends it). A run that dies between the two leaves it unsent, never sent twice."""
    if not jobs.claim_notice(job_id, notice):
        return
    try:
        send()
    except Exception:
        jobs.give_back_notice(job_id, notice)
        raise
