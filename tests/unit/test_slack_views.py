from __future__ import annotations

import json
from typing import Any

import pytest
from slack_sdk.models.views import View

from emoji_smith.domain.motion import EFFECTS
from emoji_smith.domain.slack_submissions import read_submission, submission_execution_name
from emoji_smith.domain.slack_views import (
    MAX_METADATA,
    create_emoji_modal,
    offered_sources,
)
from emoji_smith.domain.styles import PRESETS
from fakes.slack_payloads import submission

MESSAGE = {"ts": "1700000000.000100", "text": "We shipped v2 <@U123> :tada:"}


def modal(message: dict[str, Any] = MESSAGE) -> dict[str, Any]:
    return create_emoji_modal(message, "C1", "https://hooks.slack.test/r/1", list(PRESETS))


def submitted(view: dict[str, Any], **values: Any) -> dict[str, Any]:
    view_submitted: dict[str, Any] = submission(view, **values)["view"]
    return view_submitted


def test_the_modal_is_a_valid_slack_view_within_slacks_limits() -> None:
    view = modal()
    View(**view).validate_json()  # slack_sdk's own model checks (lengths, block shapes)
    assert len(view["title"]["text"]) <= 24
    assert len(view["private_metadata"]) <= MAX_METADATA
    assert view["blocks"][0]["element"]["initial_value"] == MESSAGE["text"]


def test_private_metadata_stays_within_3000_chars_for_huge_messages() -> None:
    view = modal({"ts": "1.2", "text": "ü" * 40_000})
    assert len(view["private_metadata"]) <= MAX_METADATA
    assert json.loads(view["private_metadata"])["channel_id"] == "C1"


def test_a_valid_submission_becomes_a_request() -> None:
    request, errors = read_submission(
        submitted(
            modal(),
            description="a rocket",
            name=":ship_it:",
            style="cartoon",
            options=3,
            share_to="dm",
            transparent=False,
        ),
        "T1",
        "U9",
        taken_names=set(),
    )
    assert errors == {}
    assert request == {
        "team_id": "T1",
        "user_id": "U9",
        "channel_id": "C1",
        "message_ts": MESSAGE["ts"],
        "message_text": MESSAGE["text"],
        "description": "a rocket",
        "name": "ship_it",
        "style": "cartoon",
        "transparent": False,
        "options": 3,
        "share_to": "dm",
        "response_url": "https://hooks.slack.test/r/1",
        "animation": "",
        "source": None,
    }


@pytest.mark.parametrize(
    ("values", "block", "message"),
    [
        ({"description": "cat", "name": "Bad Name!"}, "name", "for example 'bad_name'"),
        ({"description": "ねこ"}, "name", "Nothing in the description makes a name"),
        ({"description": "cat", "name": "party"}, "name", "taken in this workspace. Try party_3"),
        ({"description": "x" * 401}, "description", "Keep it to 400"),
    ],
)
def test_bad_submissions_get_inline_errors(
    values: dict[str, Any], block: str, message: str
) -> None:
    _, errors = read_submission(submitted(modal(), **values), "T1", "U9", {"party", "party_2"})
    assert message in errors[block]


def test_an_empty_description_on_an_empty_message_is_an_error() -> None:
    _, errors = read_submission(
        submitted(modal({"ts": "1.2", "text": ""}), description=""), "T1", "U9", set()
    )
    assert errors["description"] == "Describe the emoji you want."


def test_execution_names_are_deterministic_and_legal() -> None:
    assert submission_execution_name("T1", "V1") == "T1-V1"
    name = submission_execution_name("T<1>", "V" * 100)
    assert len(name) <= 80
    assert all(c.isalnum() or c in "-_" for c in name)


def test_the_animation_select_offers_every_effect_and_ai_only_with_the_image_service() -> None:
    # GIVEN the modal without and with the image service
    def animation_values(view: dict[str, Any]) -> list[str]:
        (block,) = [b for b in view["blocks"] if b.get("block_id") == "animation"]
        return [option["value"] for option in block["element"]["options"]]

    offline = animation_values(modal())
    online = animation_values(
        create_emoji_modal(MESSAGE, "C1", None, list(PRESETS), ai_animation=True)
    )
    # THEN a still first, then every effect; AI animation only where it can work
    assert offline == ["none", *(effect.name for effect in EFFECTS)]
    assert online == [*offline, "ai"]
    View(**modal()).validate_json()


def test_a_chosen_effect_travels_in_the_request_and_an_unknown_one_is_refused_inline() -> None:
    request, errors = read_submission(
        submitted(modal(), description="ship it", animation="party"), "T1", "U9", set()
    )
    assert (request["animation"], errors) == ("party", {})
    still, _ = read_submission(submitted(modal(), description="ship it"), "T1", "U9", set())
    assert still["animation"] == ""
    _, errors = read_submission(
        submitted(modal(), description="ship it", animation="explode"), "T1", "U9", set()
    )
    assert "Choose no animation, or one of: party" in errors["animation"]


def test_ai_animation_with_the_offline_badge_is_refused_inline() -> None:
    _, errors = read_submission(
        submitted(modal(), description="ship it", style="badge", animation="ai"), "T1", "U9", set()
    )
    assert errors["animation"].startswith("AI animation needs an image style")


PHOTO_FILE = {"id": "F1", "name": "dog.jpg", "mimetype": "image/jpeg"}


def test_the_modal_offers_the_messages_pictures_and_named_custom_emoji_by_reference() -> None:
    # GIVEN a message with a photo, a PDF, and text naming a custom and a standard emoji
    message = {
        "ts": "1.2",
        "text": "look :party_parrot: :tada:",
        "files": [PHOTO_FILE, {"id": "F2", "name": "spec.pdf", "mimetype": "application/pdf"}],
    }
    sources = offered_sources(message, custom_emoji={"party_parrot"})
    view = create_emoji_modal(message, "C1", None, list(PRESETS), sources=sources)
    # THEN "Start from" offers nothing, the photo (chosen by default) and the custom emoji only
    (block,) = [b for b in view["blocks"] if b.get("block_id") == "source"]
    labels = [o["text"]["text"] for o in block["element"]["options"]]
    assert labels == ["Nothing (describe it)", "Picture: dog.jpg", ":party_parrot:"]
    assert block["element"]["initial_option"]["value"] == "0"
    # AND the modal carries references, never a URL, and stays a valid view
    assert json.loads(view["private_metadata"])["sources"] == [
        {"kind": "file", "id": "F1", "label": "dog.jpg"},
        {"kind": "emoji", "id": "party_parrot", "label": ":party_parrot:"},
    ]
    View(**view).validate_json()


def test_a_chosen_picture_travels_as_its_reference_and_a_forged_choice_is_refused() -> None:
    sources = offered_sources({"files": [PHOTO_FILE]}, set())
    view = create_emoji_modal(
        {"ts": "1.2", "files": [PHOTO_FILE]}, "C1", None, list(PRESETS), sources=sources
    )
    request, errors = read_submission(submitted(view, style="as-is"), "T1", "U9", set())
    assert errors == {}
    assert request["source"] == {"kind": "file", "id": "F1", "label": "dog.jpg"}
    assert request["name"] == "dog"
    _, errors = read_submission(submitted(view, style="as-is", source="7"), "T1", "U9", set())
    assert errors["source"] == "Choose one of the offered pictures, or nothing."


def test_the_badge_cannot_start_from_a_picture() -> None:
    sources = offered_sources({"files": [PHOTO_FILE]}, set())
    view = create_emoji_modal(
        {"ts": "1.2", "files": [PHOTO_FILE]}, "C1", None, list(PRESETS), sources=sources
    )
    _, errors = read_submission(submitted(view, style="badge"), "T1", "U9", set())
    assert "draws text, not pictures" in errors["style"]
