"""What a failed job tells the member and the operator."""

from __future__ import annotations

import json

from emoji_smith.domain.errors import ERRORS
from emoji_smith.domain.models import StepFailure

MAX_CAUSE_LENGTH = 1000


def describe_failure(error: str, cause: str | None) -> StepFailure:
    """The error name as given and the cause in words (Lambda causes arrive as JSON)."""
    text = cause or ""
    try:
        parsed = json.loads(text)
    except ValueError:
        parsed = None
    if isinstance(parsed, dict) and isinstance(parsed.get("errorMessage"), str):
        text = parsed["errorMessage"]
    return StepFailure(error=error or "States.Runtime", cause=text[:MAX_CAUSE_LENGTH] or error)


def is_retryable(error: str) -> bool:
    known = ERRORS.get(error)
    return known.retryable if known else True
