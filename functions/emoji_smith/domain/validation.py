"""The product rules for a request. Every failure says what is allowed."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from emoji_smith.domain.errors import ConfigurationError, InvalidRequest
from emoji_smith.domain.naming import NAME_RULE, name_error, normalize_name, suggest_name
from emoji_smith.domain.styles import PRESETS, image_service_needed

if TYPE_CHECKING:
    from emoji_smith.domain.models import EmojiRequest

MAX_DESCRIPTION_LENGTH = 400
MAX_MESSAGE_CONTEXT = 1000
MIN_OPTIONS, MAX_OPTIONS = 1, 4
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u206f]")


def clean_text(text: str) -> str:
    """Drop control and bidi characters (they break Block Kit and spoof text); fold whitespace."""
    return " ".join(_CONTROL.sub("", text).split())


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


def validate_request(request: EmojiRequest, image_service_configured: bool) -> EmojiRequest:
    """The request as the pipeline will run it, or InvalidRequest saying what to change."""
    description = clean_text(request.description)
    message_text = clean_text(request.message_text)[:MAX_MESSAGE_CONTEXT]
    if len(description) > MAX_DESCRIPTION_LENGTH:
        raise InvalidRequest(
            f"The description is {len(description)} characters long; "
            f"keep it to {MAX_DESCRIPTION_LENGTH}."
        )
    if not description and not message_text:
        raise InvalidRequest("Describe the emoji you want: the description is empty.")

    name = normalize_name(request.name) or suggest_name(description or message_text)
    if not name:
        raise InvalidRequest(
            f"Nothing in the description makes an emoji name: give one ({NAME_RULE})."
        )
    problem = name_error(name)
    if problem:
        raise InvalidRequest(f"Emoji name {name!r} is not allowed: {problem}")

    preset = PRESETS.get(request.style)
    if preset is None:
        raise InvalidRequest(
            f"Unknown style {request.style!r}. Choose one of: {', '.join(PRESETS)}."
        )
    if preset.needs_image_service and not image_service_configured:
        raise ConfigurationError(image_service_needed(request.style))

    if not MIN_OPTIONS <= request.options <= MAX_OPTIONS:
        raise InvalidRequest(
            f"Ask for {MIN_OPTIONS} to {MAX_OPTIONS} options, not {request.options}."
        )
    return request.model_copy(
        update={"description": description, "message_text": message_text, "name": name}
    )
