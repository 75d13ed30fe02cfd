"""Values that travel between steps. Frozen: a step never edits what it was given.

Images never travel here (the 256 KiB state limit): only their S3 keys.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class EmojiRequest(Frozen):
    """What a member asked for: the execution input's `request`, as submitted.

    Only shapes are checked here; the product rules live in `validation` so that a bad request
    reaches the Validate step and fails there with a message the member can act on.
    """

    team_id: str = "local"
    user_id: str = "local-user"
    channel_id: str | None = None
    message_ts: str | None = None
    message_text: str = ""
    description: str = ""
    name: str = ""
    style: str = "badge"
    transparent: bool = True
    options: int = 1
    share_to: Literal["thread", "dm"] = "thread"
    response_url: str | None = None


class ImagePrompt(Frozen):
    text: str
    style: str
    transparent: bool
    #: The short text the offline badge renders; image models get `text`.
    badge_text: str


class GeneratedImages(Frozen):
    original_keys: list[str] = Field(min_length=1)
    generator: str


class EmojiImages(Frozen):
    keys: list[str] = Field(min_length=1)
    sizes: list[int]


class Delivery(Frozen):
    method: Literal["admin_emoji", "file_share", "outbox"]
    emoji_name: str
    #: Where the member finds it: a permalink, a channel, or an outbox file.
    location: str


class JobStatus(StrEnum):
    RUNNING = "RUNNING"
    AWAITING_CHOICE = "AWAITING_CHOICE"
    READY = "READY"
    DELIVERED = "DELIVERED"
    FAILED = "FAILED"
    RETRYING = "RETRYING"


class StepFailure(Frozen):
    """A step's terminal error as Step Functions reports it (Catch `ResultPath`)."""

    error: str
    cause: str
