"""Values that travel between steps. Frozen: a step never edits what it was given.

Images never travel here (the 256 KiB state limit): only their S3 keys.
"""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from emoji_smith.domain.conversations import ShareTo, Visibility


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Source(Frozen):
    """The picture an emoji starts from, by reference only: a Slack file id, a custom emoji's
    name, or (CLI) a key of the bucket. Never a URL from a payload: the workflow asks Slack
    where the picture is (files.info, emoji.list) and downloads only from Slack's hosts."""

    kind: Literal["file", "emoji", "upload"]
    id: str = Field(min_length=1, max_length=256)
    #: What the member saw (a file name, :name:).
    label: str = ""


class EmojiRequest(Frozen):
    """What a member asked for: the execution input's `request`, as submitted.

    Only shapes are checked here; the product rules live in `validation` so that a bad request
    reaches the Validate step and fails there with a message the member can act on.
    """

    team_id: str = "local"
    #: The Enterprise Grid org, as Slack signed it ("": none): an org-wide install's key.
    enterprise_id: str = ""
    user_id: str = "local-user"
    channel_id: str | None = None
    message_ts: str | None = None
    message_text: str = ""
    description: str = ""
    name: str = ""
    style: str = "badge"
    transparent: bool = True
    options: int = 1
    share_to: ShareTo = "thread"
    response_url: str | None = None
    #: "" (a still), an effect's name (`domain.animation.EFFECTS`), or "ai" (the image model's).
    animation: str = ""
    #: Start from this picture (an edit of it, or the picture as is) instead of words alone.
    source: Source | None = None
    #: Where it was made, as Slack said at submission (`domain.conversations`): only "public"
    #: jobs (a public channel) reach the workspace's list and the announcement. A private
    #: channel, group DM, DM, no conversation, or one Slack would not describe: "private".
    visibility: Visibility = "private"
    #: Said to the member when the job starts (e.g. why the emoji will come by DM).
    note: str = Field(default="", max_length=500)


class ImagePrompt(Frozen):
    text: str
    style: str
    transparent: bool
    #: The short text the offline badge renders; image models get `text`.
    badge_text: str
    #: Ask the image model for an animated GIF (AI animation).
    animated: bool = False
    #: Who asked, for the image service's abuse monitoring: a hash, never the Slack ids.
    safety_identifier: str = ""


class GeneratedImages(Frozen):
    original_keys: list[str] = Field(min_length=1)
    generator: str
    #: Said to the member with the result (e.g. AI animation was not available: a still).
    note: str = ""


class EmojiImages(Frozen):
    keys: list[str] = Field(min_length=1)
    sizes: list[int]


class Delivery(Frozen):
    method: Literal["admin_emoji", "file_share", "outbox"]
    emoji_name: str
    #: Where the member finds it: a permalink, a channel, or an outbox file.
    location: str
    #: A shared file's conversation: the thread (its members see the file) or the member's DM
    #: (theirs alone). "" for the other methods, and a delivery recorded before this was.
    shared_in: Literal["thread", "dm", ""] = ""


class JobStatus(StrEnum):
    RUNNING = "RUNNING"
    AWAITING_CHOICE = "AWAITING_CHOICE"
    READY = "READY"
    DELIVERED = "DELIVERED"
    FAILED = "FAILED"
    RETRYING = "RETRYING"


ChoiceState = Literal["waiting", "chosen", "cancelled", "regenerated"]
#: A message about a job sent once per job, whatever runs of it overlap: the member's "ready",
#: the announcement channel's post.
Notice = Literal["ready", "announcement"]
#: Work on a job that one run at a time may do, whatever runs of it overlap: each is claimed
#: with a lease (`JobRepository.claim`), since doing it twice bills or delivers twice.
Work = Literal["delivery", "generation"]


class JobRecord(BaseModel):
    """A job as the repository keeps it (one record per job id, updated as steps finish)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    job_id: str
    status: JobStatus | None = None
    step: str | None = None
    team_id: str | None = None
    requester: str | None = None
    #: Recorded from the request when the job is created (no Slack call to show it later).
    visibility: Visibility = "private"
    emoji_name: str | None = None
    description: str | None = None
    style: str | None = None
    options: int = 0
    prompt: str | None = None
    original_keys: list[str] = []
    emoji_keys: list[str] = []
    delivery: Delivery | None = None
    #: Until when (epoch seconds) a run's claim on the delivery, or on the images, holds.
    delivery_claim_until: int | None = None
    generation_claim_until: int | None = None
    error: str | None = None
    cause: str | None = None
    attempts: int = 0
    last_error: str | None = None
    retried_by: str | None = None
    choice_state: ChoiceState | None = None
    choice_token: str | None = None
    choice_by: str | None = None
    #: The request as it was when the choice was offered (Regenerate starts it again).
    request: EmojiRequest | None = None
    #: What the job counts against the limits (`domain.quotas.Charge` as a dict), and whether
    #: it was given back (a job that ended before anything was billed).
    reservation: dict[str, Any] | None = None
    released: bool = False
    #: What the image service billed for this job (estimated dollars, `domain.costs`).
    images_billed: int = 0
    cost_usd: float = 0.0
    image_model: str | None = None
    image_quality: str | None = None
    image_size: str | None = None
    #: AWS's estimated share of a delivered emoji (`domain.costs`; the README's cost table).
    aws_cost_usd: float = 0.0
    created_at: int | None = None
    updated_at: int | None = None

    @field_validator("request", mode="before")
    @classmethod
    def _stored_as_json(cls, value: Any) -> Any:
        return json.loads(value) if isinstance(value, str) else value

    @property
    def delivered(self) -> bool:
        """A delivery is never undone, whatever a later status says."""
        return self.delivery is not None


class StepFailure(Frozen):
    """A step's terminal error as Step Functions reports it (Catch `ResultPath`)."""

    error: str
    cause: str
