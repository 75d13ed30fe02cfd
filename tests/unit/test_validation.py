from __future__ import annotations

import pytest

from emoji_smith.domain.errors import ConfigurationError, InvalidRequest
from emoji_smith.domain.models import EmojiRequest
from emoji_smith.domain.validation import (
    MAX_DESCRIPTION_LENGTH,
    parse_request,
    validate_request,
)


def test_a_good_request_gets_a_name_and_clean_text() -> None:
    # GIVEN a request with no name and messy whitespace
    request = EmojiRequest(description="  a  happy\tcat \u202e ", message_text="hi\x00 there")
    # WHEN it is validated
    valid = validate_request(request, image_service_configured=False)
    # THEN the name is derived and the text is cleaned
    assert valid.name == "happy_cat"
    assert valid.description == "a happy cat"
    assert valid.message_text == "hi there"


def test_the_message_is_the_subject_when_the_description_is_empty() -> None:
    valid = validate_request(EmojiRequest(message_text="Ship it!"), image_service_configured=False)
    assert valid.name == "ship_it"


@pytest.mark.parametrize(
    ("request_fields", "message"),
    [
        ({"description": "", "message_text": ""}, "Describe the emoji you want"),
        (
            {"description": "x" * (MAX_DESCRIPTION_LENGTH + 1)},
            f"Keep it to {MAX_DESCRIPTION_LENGTH} characters",
        ),
        ({"description": "cat", "name": "Bad Name!"}, "lowercase letters, digits"),
        (
            {"description": "cat", "style": "watercolour"},
            "Choose one of the offered styles: badge, as-is, cartoon",
        ),
        ({"description": "cat", "options": 5}, "1 to 4 options"),
        ({"description": "cat", "options": 0}, "1 to 4 options"),
    ],
)
def test_bad_requests_say_what_to_change(request_fields: dict[str, object], message: str) -> None:
    with pytest.raises(InvalidRequest, match=message):
        validate_request(
            EmojiRequest.model_validate(request_fields), image_service_configured=False
        )


def test_a_bad_name_error_suggests_a_valid_name() -> None:
    with pytest.raises(InvalidRequest, match="for example 'bad_name'"):
        validate_request(EmojiRequest(description="x", name="Bad Name!"), False)


def test_image_styles_without_a_key_name_the_variable_and_the_offline_style() -> None:
    with pytest.raises(ConfigurationError, match=r"OPENAI_API_KEY.*badge style works offline"):
        validate_request(EmojiRequest(description="cat", style="cartoon"), False)
    assert (
        validate_request(EmojiRequest(description="cat", style="cartoon"), True).style == "cartoon"
    )


@pytest.mark.parametrize("raw", [None, "text", {"options": "many"}, {"unknown": 1}])
def test_malformed_requests_are_invalid_not_crashes(raw: object) -> None:
    with pytest.raises(InvalidRequest, match="malformed"):
        parse_request(raw)
