"""Emoji names: Slack's rules, and a good default name from a description."""

from __future__ import annotations

import re
import unicodedata

MAX_NAME_LENGTH = 64
_NOT_ALLOWED_RUN = re.compile(r"[^\w-]+")
_FILLER_WORDS = frozenset({"a", "an", "the", "of", "with", "and", "some", "my", "our"})
NAME_RULE = (
    f"lowercase letters, digits, '-' and '_' only (no spaces), 1-{MAX_NAME_LENGTH} characters"
)


def normalize_name(raw: str) -> str:
    """Forgive what members type around a name: spaces and the `:colons:` of emoji syntax."""
    return raw.strip().strip(":").strip()


def name_problem(name: str) -> str | None:
    """Why `name` cannot be an emoji name, or None when Slack accepts it."""
    if not name:
        return "the emoji name is empty"
    if len(name) > MAX_NAME_LENGTH:
        return f"the emoji name is {len(name)} characters long"
    if name != name.lower():
        return "the emoji name has capital letters"
    if not all(c.isalnum() or c in "-_" for c in name):
        return "the emoji name has characters Slack does not allow"
    return None


def suggest_name(text: str) -> str:
    """A valid name from free text: `A happy cat!` → `happy_cat`. Never empty."""
    folded = unicodedata.normalize("NFKC", text).lower()
    words = [w for w in _NOT_ALLOWED_RUN.split(folded.replace("_", " ")) if w]
    meaningful = [w for w in words if w not in _FILLER_WORDS] or words
    name = ""
    for word in meaningful:
        candidate = f"{name}_{word}" if name else word
        if len(candidate) > 32:
            break
        name = candidate
    if not name and meaningful:
        name = meaningful[0][:32]
    return name.strip("_-") or "emoji"


def with_suffix(name: str, attempt: int) -> str:
    """`party` → `party_2`: a free variant when a name is taken, still within the length rule."""
    suffix = f"_{attempt}"
    return name[: MAX_NAME_LENGTH - len(suffix)] + suffix


MAX_EXECUTION_NAME = 80


def execution_name(*parts: str) -> str:
    """A legal Step Functions execution name (≤ 80 of letters, digits, '-', '_') from parts."""
    joined = "-".join(parts)
    safe = "".join(c if c.isascii() and (c.isalnum() or c in "-_") else "-" for c in joined)
    return safe[:MAX_EXECUTION_NAME]
