"""The error taxonomy. Each class name is the Step Functions error name used in the ASL.

`retryable` says whether the workflow (or the retry schedule) may try the job again; `outcome`
says the job ended as the rules or the member decided, not because something broke: the ASL
catches exactly these and ends the run in a Succeed state (no failed-executions alarm). Every
other error fails the run at its Task, where a redrive resumes. A contract test keeps the ASL
and these flags honest.
"""

from __future__ import annotations

from typing import ClassVar


class EmojiSmithError(Exception):
    """Base of every error a step may raise on purpose."""

    retryable: ClassVar[bool] = False
    outcome: ClassVar[bool] = False
    #: What the member sees, in plain words; the instance message adds the specifics.
    member_hint: ClassVar[str] = "Something went wrong."


class InvalidRequest(EmojiSmithError):
    outcome = True
    member_hint = "The request is not valid: fix it and try again."


class ConfigurationError(EmojiSmithError):
    member_hint = "Emoji Smith is not configured for this; an admin needs to fix its settings."


class ContentRejected(EmojiSmithError):
    outcome = True
    member_hint = "The image service refused this description: rephrase it and try again."


class UnusableImage(EmojiSmithError):
    outcome = True
    member_hint = "The generated image could not be turned into an emoji: try again or rephrase."


class ImageServiceUnavailable(EmojiSmithError):
    retryable = True
    member_hint = "The image service is down; we will retry automatically."


class RateLimited(EmojiSmithError):
    retryable = True
    member_hint = "The image service is busy; we will retry automatically."


class CircuitOpen(EmojiSmithError):
    retryable = True
    member_hint = "The image service is failing right now; we will retry automatically."


class SlackRejected(EmojiSmithError):
    member_hint = "Slack refused the delivery; an admin needs to check the app's access."


class SlackUnavailable(EmojiSmithError):
    retryable = True
    member_hint = "Slack is unavailable; we will retry automatically."


class DeliveryInProgress(EmojiSmithError):
    """Another run of the job holds its delivery (a replay, a redrive, the schedule): the
    workflow retries after that claim's lease, when the job is delivered (this run answers
    with the recorded delivery) or its holder died and the claim is free."""

    retryable = True
    member_hint = "Your emoji is being delivered; we will check again shortly."


class GenerationInProgress(EmojiSmithError):
    """Another run of the job is making its images: the workflow retries after that claim's
    lease, when the images are stored (this run answers with them, billed once) or the holder
    died and the claim is free."""

    retryable = True
    member_hint = "Your images are being made; we will check again shortly."


class ChoiceTimedOut(EmojiSmithError):
    outcome = True
    member_hint = "No option was picked in time, so nothing was uploaded."


class ChoiceCancelled(EmojiSmithError):
    outcome = True
    member_hint = "Cancelled: nothing was uploaded."


class QuotaExceeded(EmojiSmithError):
    """Over the member's images for the day or the workspace's budget for the month."""

    outcome = True
    member_hint = "You are over this workspace's image limits for now."


class NotInstalled(EmojiSmithError):
    """Distribution mode: the workspace has no installation (never installed, or removed): the
    job fails at its step, with no one in Slack to tell, and is never retried."""

    member_hint = "Emoji Smith is not installed in this workspace."


class AnimationUnavailable(EmojiSmithError):
    """The image service cannot animate for this account or model. Never leaves GenerateImage:
    the job falls back to a still and says so (not an ASL error name)."""

    member_hint = "AI animation is not available here, so this one is a still."


ERRORS: dict[str, type[EmojiSmithError]] = {
    cls.__name__: cls
    for cls in (
        InvalidRequest,
        ConfigurationError,
        ContentRejected,
        UnusableImage,
        ImageServiceUnavailable,
        RateLimited,
        CircuitOpen,
        SlackRejected,
        SlackUnavailable,
        DeliveryInProgress,
        GenerationInProgress,
        ChoiceTimedOut,
        ChoiceCancelled,
        QuotaExceeded,
        NotInstalled,
    )
}

#: Caught in the ASL and ended in a Succeed state.
OUTCOMES = frozenset(name for name, error in ERRORS.items() if error.outcome)
