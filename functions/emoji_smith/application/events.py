"""What each workflow step receives: the `Parameters` (or `Payload`) the ASL gives its Task, as
a model. Handlers parse their event with `parse_event` and nothing else; a contract test checks
every Task's parameters against these fields, and each field's type against what the state
that writes it returns.

The request is validated by Validate itself (a bad one is the InvalidRequest outcome, with the
member's message), so Validate and the outcome steps take it raw; every later step gets the
request Validate returned.
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict

from emoji_smith.domain.models import (
    Delivery,
    EmojiImages,
    EmojiRequest,
    GeneratedImages,
    ImagePrompt,
    StepFailure,
)


class StepEvent(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class JobEvent(StepEvent):
    job_id: str


class ValidateEvent(JobEvent):
    request: Any = None


class BuildPromptEvent(StepEvent):
    request: EmojiRequest


class CheckCircuitEvent(StepEvent):
    style: str


class CloseCircuitEvent(StepEvent):
    pass


class GenerateImageEvent(JobEvent):
    request: EmojiRequest
    prompt: ImagePrompt


class ResizeImageEvent(JobEvent):
    request: EmojiRequest
    generated: GeneratedImages


class AnimateEmojiEvent(JobEvent):
    request: EmojiRequest
    emoji: EmojiImages


class PersistEmojiEvent(JobEvent):
    prompt: ImagePrompt
    generated: GeneratedImages
    emoji: EmojiImages


class Choice(StepEvent):
    """What the member picked (the task token's output); one option needs no choosing."""

    index: int = 0


class AwaitChoiceEvent(JobEvent):
    request: EmojiRequest
    emoji: EmojiImages
    task_token: str


class UploadEmojiEvent(JobEvent):
    request: EmojiRequest
    emoji: EmojiImages
    choice: Choice


class NotifyUserEvent(JobEvent):
    request: EmojiRequest
    delivery: Delivery
    generated: GeneratedImages


class CaughtError(StepEvent):
    """A Catch's `ResultPath` value, as Step Functions writes it."""

    Error: str = ""
    Cause: str | None = None


class RecordOutcomeEvent(JobEvent):
    request: Any = None
    error: CaughtError = CaughtError()


class NotifyOutcomeEvent(JobEvent):
    request: Any = None
    failure: StepFailure


Event = TypeVar("Event", bound=StepEvent)


def parse_event(model: type[Event], event: object) -> Event:
    """The step's input, or pydantic's ValidationError naming what the ASL got wrong (a bug in
    the workflow, not the member's request: it fails the run at this Task)."""
    return model.model_validate(event)
