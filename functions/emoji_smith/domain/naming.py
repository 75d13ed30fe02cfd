"""Emoji names: Slack's rules, and a good default name from a description."""

from __future__ import annotations

import re
import unicodedata

MAX_NAME_LENGTH = 64
ALLOWED = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-_")
_WORD = re.compile(r"[a-z0-9]+")
_FILLER_WORDS = frozenset({"a", "an", "the", "of", "with", "and", "some", "my", "our"})
NAME_RULE = (
    f"lowercase letters, digits, '-' and '_' only (no spaces), 1-{MAX_NAME_LENGTH} characters"
)


def normalize_name(raw: str) -> str:
    """Forgive what members type around a name: spaces and the `:colons:` of emoji syntax."""
    return raw.strip().strip(":").strip()


def name_problem(name: str) -> str | None:
    """Why `name` cannot be an emoji name, or None when Slack accepts it.

    Slack's rule is lowercase letters, digits, '-' and '_'. We keep to ASCII: accented or
    non-Latin letters are not accepted everywhere Slack shows emoji, so a name we suggest or
    accept always works; `x²`, `ü` or a lone `-` are refused with a name that would work."""
    if not name:
        return "the emoji name is empty"
    if len(name) > MAX_NAME_LENGTH:
        return f"the emoji name is {len(name)} characters long"
    if name != name.lower():
        return "the emoji name has capital letters"
    if not set(name) <= ALLOWED:
        return "the emoji name has characters Slack does not allow"
    if not _WORD.search(name):
        return "the emoji name has no letter or digit"
    return None


def name_error(name: str) -> str | None:
    """What to tell a member about a name Slack would refuse (None: it is fine)."""
    problem = name_problem(name)
    if problem is None:
        return None
    example = suggest_name(name)
    hint = f", for example {example!r}" if example else ""
    return f"{problem}. Use {NAME_RULE}{hint}."


def suggest_name(text: str) -> str:
    """A valid name from free text, or "" when nothing in it makes one (then ask the member).

    `A happy cat!` → `happy_cat`; accents are folded (`Café` → `cafe`); emoji and symbols
    become their Unicode names (`🎉🎉🎉` → `party_popper`, `ship it 🚀` → `ship_it_rocket`)."""
    words: list[str] = []
    for word in _WORD.findall(_ascii_words(text)):
        if word not in words:
            words.append(word)
    meaningful = [w for w in words if w not in _FILLER_WORDS] or words
    name = ""
    for word in meaningful:
        candidate = f"{name}_{word}" if name else word
        if len(candidate) > 32:
            break
        name = candidate
    if not name and meaningful:
        name = meaningful[0][:32]
    return name


def _ascii_words(text: str) -> str:
    """Lowercase ASCII: accents dropped, symbols spelled out, other scripts left out."""
    spelled = []
    for char in unicodedata.normalize("NFKC", text):
        if unicodedata.category(char) == "So":  # emoji and other symbols: by their names
            spelled.append(f" {unicodedata.name(char, '').lower()} ")
        else:
            spelled.append(char)
    decomposed = unicodedata.normalize("NFKD", "".join(spelled).lower())
    return "".join(c for c in decomposed if c.isascii())


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


def execution_arn(state_machine_arn: str, name: str) -> str:
    """The ARN Step Functions gives the execution `name` of that state machine."""
    return f"{state_machine_arn.replace(':stateMachine:', ':execution:')}:{name}"
