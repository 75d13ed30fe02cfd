"""The product rules for a request. Every failure says what is allowed."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from emoji_smith.domain.errors import ConfigurationError, InvalidRequest
from emoji_smith.domain.motion import AI_ANIMATION, ANIMATIONS
from emoji_smith.domain.naming import NAME_RULE, name_error, normalize_name, suggest_name
from emoji_smith.domain.styles import PRESETS, image_service_needed

if TYPE_CHECKING:
    from emoji_smith.domain.models import EmojiRequest

MAX_DESCRIPTION_LENGTH = 400
MAX_MESSAGE_CONTEXT = 1000
MIN_OPTIONS, MAX_OPTIONS = 1, 4
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b\u200e\u200f\u2028-\u202e\u2060-\u206f]")
#: Zero-width (non-)joiners join what is on both sides (👨‍👩‍👧, and scripts that need them):
#: kept there, dropped anywhere else.
_STRAY_JOINER = re.compile(r"(?<!\S)[\u200c\u200d]+|[\u200c\u200d]+(?!\S)")


def clean_text(text: str) -> str:
    """Drop control and bidi characters (they break Block Kit and spoof text) and joiners that
    join nothing; fold whitespace."""
    return " ".join(_STRAY_JOINER.sub("", _CONTROL.sub("", text)).split())


def parse_request(raw: object) -> EmojiRequest:
    """The request's shape, or InvalidRequest naming the fields that are wrong."""
    # Imported here: the webhook's modal needs this module's rules, not pydantic's cold start.
    from pydantic import ValidationError

    from emoji_smith.domain.models import EmojiRequest

    try:
        return EmojiRequest.model_validate(raw)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in issue['loc']) or 'request'}: {issue['msg']}"
            for issue in error.errors()
        )
        raise InvalidRequest(f"The request is malformed: {problems}.") from None


def request_problems(
    description: str,
    message_text: str,
    name: str,
    style: str,
    options: int,
    *,
    animation: str = "",
    picture: str = "",
) -> tuple[str, dict[str, str]]:
    """The one set of rules, for the modal (inline, by field) and the workflow (Validate): the
    name the emoji gets (the member's, else one made from the words) and what is wrong, by
    field. Texts are expected cleaned (`clean_text`). `picture`: the label of the picture the
    emoji starts from ("" for none); with one, the description may be empty."""
    problems: dict[str, str] = {}
    if len(description) > MAX_DESCRIPTION_LENGTH:
        problems["description"] = (
            f"Keep it to {MAX_DESCRIPTION_LENGTH} characters (it is {len(description)})."
        )
    elif not description and not message_text and not picture:
        problems["description"] = "Describe the emoji you want."
    chosen = normalize_name(name) or suggest_name(
        description or message_text or _picture_words(picture)
    )
    if not chosen:
        problems["name"] = f"Nothing in the description makes a name: give one ({NAME_RULE})."
    elif problem := name_error(chosen):
        problems["name"] = f"The name {chosen!r} is not allowed: {problem}"
    if style not in PRESETS:
        problems["style"] = f"Choose one of the offered styles: {', '.join(PRESETS)}."
    if not MIN_OPTIONS <= options <= MAX_OPTIONS:
        problems["options"] = f"Choose {MIN_OPTIONS} to {MAX_OPTIONS} options."
    preset = PRESETS.get(style)
    if (
        preset is not None
        and picture
        and not preset.needs_image_service
        and not preset.needs_picture
    ):
        problems["style"] = (
            f"{preset.label} draws text, not pictures: choose As is or an image style, or "
            "start from nothing."
        )
    if preset is not None and preset.needs_picture:
        if not picture:
            problems["style"] = f"{preset.label} needs a picture to start from."
        elif options != 1:
            problems["options"] = f"{preset.label} makes one emoji: choose 1 option."
    if animation and animation not in ANIMATIONS:
        problems["animation"] = f"Choose no animation, or one of: {', '.join(ANIMATIONS)}."
    elif animation == AI_ANIMATION and style in PRESETS and not PRESETS[style].needs_image_service:
        problems["animation"] = "AI animation needs an image style; the badge can take an effect."
    return chosen, problems


def _picture_words(label: str) -> str:
    """A picture's label as words for a name: `dog.png` → dog, `:party_parrot:` → party_parrot."""
    words = label.strip(":")
    stem, dot, extension = words.rpartition(".")
    return stem if dot and extension.isalnum() and len(extension) <= 5 else words


def validate_request(request: EmojiRequest, image_service_configured: bool) -> EmojiRequest:
    """The request as the pipeline will run it, or InvalidRequest saying what to change."""
    description = clean_text(request.description)
    message_text = clean_text(request.message_text)[:MAX_MESSAGE_CONTEXT]
    name, problems = request_problems(
        description,
        message_text,
        request.name,
        request.style,
        request.options,
        animation=request.animation,
        picture=(request.source.label or request.source.id) if request.source else "",
    )
    if problems:
        raise InvalidRequest(" ".join(problems.values()))
    if PRESETS[request.style].needs_image_service and not image_service_configured:
        raise ConfigurationError(image_service_needed(request.style))
    return request.model_copy(
        update={"description": description, "message_text": message_text, "name": name}
    )
