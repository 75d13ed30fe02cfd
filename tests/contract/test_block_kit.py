"""Every view and message with blocks the product builds, judged by the published Block Kit
schema (tests/specs) and the rules it leaves out; and the fake Slack refusing what the schema
refuses, so a test through it fails on an invalid payload. (Progress, outcomes and the /emoji
answers are plain `text`: no blocks for the schema to judge.)"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

from emoji_smith.domain.choices import candidates_message
from emoji_smith.domain.home_view import admin_section, home_view, settings_modal
from emoji_smith.domain.messages import announcement_blocks
from emoji_smith.domain.models import Delivery, JobRecord, JobStatus
from emoji_smith.domain.slack_views import create_emoji_modal
from emoji_smith.domain.styles import PRESETS
from emoji_smith.domain.usage import MemberUsage
from emoji_smith.domain.workspace_settings import (
    MAX_DAILY_IMAGES,
    MAX_MONTHLY_BUDGET_USD,
    WorkspaceSettings,
)
from fakes import block_kit
from fakes.fake_slack import BOT_TOKEN, FakeSlack

PRICES = {"low": 0.006, "medium": 0.053, "high": 0.21}
MESSAGE = {"text": "ship it :rocket: " * 200, "ts": "1700000000.000100", "thread_ts": None}
SOURCES = [{"kind": "file", "id": f"F{i}", "label": f"photo {i}.png" * 10} for i in range(5)] + [
    {"kind": "emoji", "name": "party", "label": ":party:"}
]
NOTES = [
    f"drawing {i}.svg " * 20 + "is an SVG drawing, not a picture I can read." for i in range(14)
]
FILE_SHARE = Delivery(
    method="file_share", emoji_name="ship_it", location="https://x.test/F1", shared_in="thread"
)
ADDED = Delivery(method="admin_emoji", emoji_name="ship_it", location="C1")
NUMBER = re.compile(r"^-?[0-9]+(\.[0-9]+)?$")


def job(index: int, delivery: Delivery | None) -> JobRecord:
    return JobRecord(
        job_id=f"job-{index:04d}-" + "x" * 40,
        status=JobStatus.DELIVERED,
        requester="U1",
        emoji_name=f"emoji_{index}",
        style="cartoon",
        created_at=1_700_000_000 + index,
        delivery=delivery,
    )


def modals() -> Iterator[tuple[str, dict[str, Any]]]:
    styles = list(PRESETS)
    yield "shortcut", create_emoji_modal(MESSAGE, "C1", "https://hooks.slack.com/x", styles)
    yield (
        "shortcut, AI animation, pictures to start from",
        create_emoji_modal(MESSAGE, "C1", None, styles, ai_animation=True, sources=SOURCES),
    )
    yield "/emoji (no message)", create_emoji_modal({"text": "a cat"}, "C1", None, styles[:1])
    yield (
        "shortcut, pictures left out and why (more than a context block holds)",
        create_emoji_modal(MESSAGE, "C1", None, styles, sources=SOURCES, notes=NOTES),
    )
    for label, settings in SETTINGS.items():
        yield f"settings form, {label}", settings_modal(settings, PRICES)


SETTINGS = {
    "defaults": WorkspaceSettings(20, 25.0, "low", tuple(PRESETS), ""),
    "a channel, cents": WorkspaceSettings(0, 12.5, "high", ("badge",), "C42"),
    "template default 1,000,000": WorkspaceSettings(20, 1_000_000.0, "low", ("badge",), ""),
    "above the form's maxima": WorkspaceSettings(5000, 20_000.0, "medium", ("badge",), ""),
    "below zero, NaN": WorkspaceSettings(-3, math.nan, "low", ("badge",), ""),
}


def homes() -> Iterator[tuple[str, dict[str, Any]]]:
    yield "a new member", home_view([], [], "20 AI images left today.", {})
    mine = [job(i, FILE_SHARE if i % 2 else ADDED) for i in range(40)]
    usage = [MemberUsage("T1", f"U{i}", "2026-12", i, i * 0.1) for i in range(10)]
    settings = SETTINGS["defaults"]
    admin = admin_section(settings, "2026-12", usage)
    public = [record.model_copy(update={"visibility": "public"}) for record in mine]
    full = home_view(
        mine, public, "No AI images left today.", {"emoji_0": "https://e.test/0.png"}, admin
    )
    yield "an admin with a full gallery", full


def messages() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    for count in range(1, 5):
        yield (
            f"{count} candidates",
            candidates_message("job-1", "ship_it", ["https://i.test/a.png"] * count),
        )
    yield "announcement of a shared file", announcement_blocks(FILE_SHARE, "U1")
    yield "announcement of an added emoji", announcement_blocks(ADDED, "U1")


@pytest.mark.parametrize(("label", "view"), list(modals()), ids=[m[0] for m in modals()])
def test_each_modal_is_valid_block_kit(label: str, view: dict[str, Any]) -> None:
    assert block_kit.view_problems(view, "modal") == []


@pytest.mark.parametrize(("label", "view"), list(homes()), ids=[h[0] for h in homes()])
def test_each_home_tab_is_valid_block_kit(label: str, view: dict[str, Any]) -> None:
    assert block_kit.view_problems(view, "home") == []


@pytest.mark.parametrize(("label", "blocks"), list(messages()), ids=[m[0] for m in messages()])
def test_each_message_is_valid_block_kit(label: str, blocks: list[dict[str, Any]]) -> None:
    assert block_kit.message_problems(blocks) == []


@pytest.mark.parametrize("label", list(SETTINGS))
def test_the_settings_form_shows_plain_numbers_within_its_own_bounds(label: str) -> None:
    # GIVEN defaults from the template, however far outside the form's range
    view = settings_modal(SETTINGS[label], PRICES)
    # WHEN Slack reads the number inputs
    numbers = [b["element"] for b in view["blocks"] if b["element"]["type"] == "number_input"]
    # THEN each initial value is digits (no exponent), between min_value and max_value
    assert [n["max_value"] for n in numbers] == [
        str(MAX_DAILY_IMAGES),
        str(int(MAX_MONTHLY_BUDGET_USD)),
    ]
    for number in numbers:
        assert NUMBER.match(number["initial_value"]), number
        low, high = float(number["min_value"]), float(number["max_value"])
        assert low <= float(number["initial_value"]) <= high, number


def test_a_template_budget_of_a_million_is_shown_at_the_forms_maximum() -> None:
    view = settings_modal(SETTINGS["template default 1,000,000"], PRICES)
    budget = view["blocks"][1]["element"]
    assert (budget["initial_value"], budget["max_value"]) == ("10000", "10000")
    cents = settings_modal(SETTINGS["a channel, cents"], PRICES)["blocks"][1]["element"]
    assert cents["initial_value"] == "12.5"


# -- the judge can fail ----------------------------------------------------------------------------
SECTION = {"type": "section", "text": {"type": "mrkdwn", "text": "hi"}}
BUTTON = {"type": "button", "text": {"type": "plain_text", "text": "Go"}, "action_id": "go"}


@pytest.mark.parametrize(
    ("blocks", "problem"),
    [
        ([], "at least 1 item"),
        ([SECTION] * 51, "no more than 50 items"),
        ([{**SECTION, "block_id": "a"}, {**SECTION, "block_id": "a"}], "duplicate block_id: a"),
        ([{"type": "actions", "elements": [BUTTON, BUTTON]}], "duplicate action_id"),
        ([{"type": "sparkles"}], "unknown block type"),
        ([{"type": "section", "text": {"type": "mrkdwn", "text": ""}}], "/blocks/0/text/text"),
        (
            [
                {
                    "type": "actions",
                    "elements": [{**BUTTON, "text": {"type": "mrkdwn", "text": "x"}}],
                }
            ],
            "/blocks/0/elements/0/text/type",
        ),
        ([{"type": "image", "image_url": "https://i.test/a.png"}], "'alt_text' is a required"),
    ],
)
def test_the_validator_refuses_what_slack_refuses(blocks: list[Any], problem: str) -> None:
    problems = block_kit.message_problems(blocks)
    assert any(problem in p for p in problems), problems


def test_the_old_settings_form_is_refused_for_its_exponent() -> None:
    # GIVEN the number input the form wrote before (`:g` formatting of the template's 1,000,000)
    element = {
        "type": "number_input",
        "action_id": "value",
        "is_decimal_allowed": True,
        "min_value": "0",
        "max_value": "10000",
        "initial_value": "1e+06",
    }
    view = settings_modal(SETTINGS["defaults"], PRICES)
    view["blocks"][1]["element"] = element
    # THEN the schema names the field
    (problem,) = block_kit.view_problems(view, "modal")
    assert "/view/blocks/1/element/initial_value" in problem


def test_a_view_over_100_blocks_and_a_modal_input_without_submit_are_refused() -> None:
    home = {"type": "home", "blocks": [SECTION] * 101}
    assert any("/view/blocks" in p for p in block_kit.view_problems(home, "home"))
    modal = settings_modal(SETTINGS["defaults"], PRICES)
    del modal["submit"]
    assert any("'submit' is a required" in p for p in block_kit.view_problems(modal, "modal"))


# -- the fake Slack refuses the same ---------------------------------------------------------------
BAD_BLOCKS = [{"type": "section", "text": {"type": "mrkdwn", "text": ""}}]


def test_chat_post_message_with_invalid_blocks_is_refused_with_slacks_error(
    slack: FakeSlack,
) -> None:
    client = WebClient(token=BOT_TOKEN, base_url=slack.base_url)
    with pytest.raises(SlackApiError) as refused:
        client.chat_postMessage(channel="C1", text="hi", blocks=BAD_BLOCKS)
    assert refused.value.response["error"] == "invalid_blocks"
    assert any(
        "/blocks/0/text/text" in m for m in refused.value.response["response_metadata"]["messages"]
    )
    with pytest.raises(SlackApiError) as ephemeral:
        client.chat_postEphemeral(channel="C1", user="U1", text="hi", blocks=BAD_BLOCKS)
    assert ephemeral.value.response["error"] == "invalid_blocks"
    with pytest.raises(SlackApiError) as empty, pytest.warns(UserWarning, match="`text`"):
        client.chat_postMessage(channel="C1")
    assert empty.value.response["error"] == "no_text"


def test_views_open_and_publish_with_invalid_views_are_refused_as_invalid_arguments(
    slack: FakeSlack,
) -> None:
    client = WebClient(token=BOT_TOKEN, base_url=slack.base_url)
    modal = settings_modal(SETTINGS["defaults"], PRICES)
    modal["blocks"][0]["element"]["initial_value"] = "1e+06"
    with pytest.raises(SlackApiError) as opened:
        client.views_open(trigger_id="T1", view=modal)
    assert opened.value.response["error"] == "invalid_arguments"
    with pytest.raises(SlackApiError) as published:
        client.views_publish(user_id="U1", view={"type": "home", "blocks": BAD_BLOCKS})
    assert published.value.response["error"] == "invalid_arguments"


def test_a_response_url_answer_with_invalid_blocks_is_refused_like_a_webhook(
    slack: FakeSlack,
) -> None:
    refused = WebhookClient(slack.response_url()).send(text="hi", blocks=BAD_BLOCKS)
    assert (refused.status_code, refused.body) == (400, "invalid_blocks")
    accepted = WebhookClient(slack.response_url()).send(text="hi", blocks=[SECTION])
    assert (accepted.status_code, accepted.body) == (200, "ok")


def test_the_count_of_judged_payloads_grows_with_each_payload() -> None:
    before = block_kit.checked()
    block_kit.message_problems([SECTION])
    block_kit.message_problems([SECTION])  # cached verdict, still a payload judged
    assert block_kit.checked() == before + 2
