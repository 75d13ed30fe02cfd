"""The workflow's image steps: make the originals (generate, edit or take a picture as is),
turn each into an emoji Slack accepts, animate it. Each is idempotent per job: a retry, a
redrive or a replay reuses what is stored (no second bill, no second download), and runs of a
job that overlap make its originals once (the one that claims them)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from emoji_smith.application.events import AnimateEmojiEvent, GenerateImageEvent, ResizeImageEvent
from emoji_smith.domain.animation import animate
from emoji_smith.domain.costs import ANIMATION_SIZE, STILL_SIZE
from emoji_smith.domain.emoji_image import make_emoji
from emoji_smith.domain.errors import (
    AnimationUnavailable,
    ConfigurationError,
    GenerationInProgress,
)
from emoji_smith.domain.image_keys import CONTENT_TYPES, emoji_key, original_key
from emoji_smith.domain.models import EmojiImages, GeneratedImages, ImagePrompt
from emoji_smith.domain.pictures import ACCEPTED_FORMATS, check_picture, input_key, still_png
from emoji_smith.domain.styles import PRESETS
from emoji_smith.ports import ImageGenerator, ImageStore, JobRepository, PictureSource

GIF_MAGIC = b"GIF8"
#: How long a run holds a job's generation: longer than GenerateImage's Lambda timeout (180 s),
#: so a live holder never loses it; the ASL retries GenerationInProgress for longer than this.
GENERATION_LEASE_SECONDS = 240


@dataclass(frozen=True)
class Generated:
    images: GeneratedImages
    reused: bool
    seconds: float = 0.0


def generate_images(
    event: GenerateImageEvent,
    store: ImageStore,
    generator: ImageGenerator,
    jobs: JobRepository,
    *,
    pictures: Callable[[], PictureSource] | None = None,
    billed: Callable[[int, str], None] | None = None,
) -> Generated:
    """Images already stored for this job are reused: a retry or a redrive is not billed again.
    Runs of the job that overlap (a replay, a redrive, the schedule) make them once: the run
    that claims the generation; the others raise `GenerationInProgress`, and the workflow's
    retry finds them stored. A job that starts from a picture gets it once (`pictures`, then
    kept with the job's inputs) and either uses it as is or has the image service edit it.
    `billed` is told how many images the service billed, and at what size, once in hand."""
    keys = [original_key(event.job_id, index) for index in range(event.request.options)]
    stored = _stored(event, store, keys, generator.name)
    if stored is not None:
        return stored
    owner = uuid.uuid4().hex
    if not jobs.claim(event.job_id, "generation", owner, GENERATION_LEASE_SECONDS):
        raise GenerationInProgress(
            f"Another run of job {event.job_id} is making its images; this one checks again "
            f"once that claim ends (at most {GENERATION_LEASE_SECONDS} s)."
        )
    # Kept on success until its lease ends: a run that lost it finds the images stored.
    try:
        return _stored(event, store, keys, generator.name) or _generate(
            event, store, generator, keys, pictures=pictures, billed=billed
        )
    except Exception:
        jobs.release_claim(event.job_id, "generation", owner)  # the retry claims it again
        raise


def _stored(
    event: GenerateImageEvent, store: ImageStore, keys: list[str], name: str
) -> Generated | None:
    """The job's images, when another run (or an earlier one) stored them all."""
    if not all(store.exists(key) for key in keys):
        return None
    # An AI animation that was refused left stills: the member is told again on a rerun.
    refused = event.prompt.animated and not store.get(keys[0]).startswith(GIF_MAGIC)
    note = AnimationUnavailable.member_hint if refused else ""
    return Generated(GeneratedImages(original_keys=keys, generator=name, note=note), True)


def _generate(
    event: GenerateImageEvent,
    store: ImageStore,
    generator: ImageGenerator,
    keys: list[str],
    *,
    pictures: Callable[[], PictureSource] | None,
    billed: Callable[[int, str], None] | None,
) -> Generated:
    started = time.perf_counter()
    name, note = generator.name, ""
    picture = _picture(event, store, pictures) if event.request.source else None
    if picture is not None and PRESETS[event.request.style].needs_picture:
        images, name = [picture] * event.request.options, "picture"
    else:
        images, note = _images(event.prompt, event.request.options, generator, picture)
        if billed is not None and PRESETS[event.request.style].needs_image_service:
            animated = event.prompt.animated and not note  # a refused animation: stills
            billed(len(images), ANIMATION_SIZE if animated else STILL_SIZE)
    seconds = time.perf_counter() - started
    for key, image in zip(keys, images, strict=True):
        store.put(key, image, "application/octet-stream")
    generated = GeneratedImages(original_keys=keys, generator=name, note=note)
    return Generated(generated, False, seconds)


def _images(
    prompt: ImagePrompt, count: int, generator: ImageGenerator, picture: bytes | None
) -> tuple[list[bytes], str]:
    """The images, and a note for the member. A refused AI animation never fails the job: the
    refusal was not billed, and a still is asked for instead."""

    def ask(prompt: ImagePrompt) -> list[bytes]:
        if picture is None:
            return generator.generate(prompt, count)
        return generator.edit(still_png(picture), prompt, count)

    try:
        return ask(prompt), ""
    except AnimationUnavailable:
        return ask(prompt.model_copy(update={"animated": False})), AnimationUnavailable.member_hint


def _picture(
    event: GenerateImageEvent, store: ImageStore, pictures: Callable[[], PictureSource] | None
) -> bytes:
    """The job's picture: from its inputs when a retry or a replay runs (no second download),
    else fetched, checked and kept there."""
    key = input_key(event.job_id)
    if store.exists(key):
        return store.get(key)
    source = event.request.source
    if source is None or pictures is None:
        raise ConfigurationError("This job starts from a picture, but none can be fetched.")
    data = pictures().fetch(source)
    kind = check_picture(data)
    store.put(key, data, ACCEPTED_FORMATS[kind])
    return data


def resize_images(event: ResizeImageEvent, store: ImageStore) -> EmojiImages:
    keys, sizes = [], []
    for option, original in enumerate(event.generated.original_keys):
        emoji = make_emoji(store.get(original), event.request.transparent)
        key = emoji_key(event.job_id, option, emoji.format)
        store.put(key, emoji.data, CONTENT_TYPES[emoji.format])
        keys.append(key)
        sizes.append(len(emoji.data))
    return EmojiImages(keys=keys, sizes=sizes)


def animate_emoji(event: AnimateEmojiEvent, store: ImageStore) -> EmojiImages:
    """Each finished emoji as a GIF of the member's effect, under its own key (the stills stay:
    a replay animates them again, the same way)."""
    keys, sizes = [], []
    for option, still in enumerate(event.emoji.keys):
        gif = animate(store.get(still), event.request.animation)
        key = emoji_key(event.job_id, option, "gif")
        store.put(key, gif, CONTENT_TYPES["gif"])
        keys.append(key)
        sizes.append(len(gif))
    return EmojiImages(keys=keys, sizes=sizes)
