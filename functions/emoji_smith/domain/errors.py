"""The error taxonomy. Each class name is the Step Functions error name used in the ASL.

`retryable` says whether the workflow (or the retry schedule) may try the job again; the ASL
declares the actual Retry policies, and a contract test keeps the two honest.
"""

from __future__ import annotations

from typing import ClassVar


class EmojiSmithError(Exception):
    """Base of every error a step may raise on purpose."""

    retryable: ClassVar[bool] = False
    #: What the member sees, in plain words; the instance message adds the specifics.
    member_hint: ClassVar[str] = "Something went wrong."


class InvalidRequest(EmojiSmithError):
    member_hint = "The request is not valid: fix it and try again."


class ConfigurationError(EmojiSmithError):
    member_hint = "Emoji Smith is not configured for this; an admin needs to fix its settings."


class ContentRejected(EmojiSmithError):
    member_hint = "The image service refused this description: rephrase it and try again."


class UnusableImage(EmojiSmithError):
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


class ChoiceTimedOut(EmojiSmithError):
    member_hint = "No option was picked in time, so nothing was uploaded."


class ChoiceCancelled(EmojiSmithError):
    member_hint = "Cancelled: nothing was uploaded."


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
        ChoiceTimedOut,
        ChoiceCancelled,
    )
}
