"""What the create form tells a member, on in-memory ports (#20 §4): a quota refusal with the
real figures, and the message's pictures it cannot use, each with why."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from emoji_smith.application.webhook.routes import answer_interaction
from emoji_smith.domain.quotas import Period
from emoji_smith.domain.slack_payloads import parse_interaction
from emoji_smith.domain.slack_views import create_emoji_modal
from emoji_smith.domain.styles import PRESETS
from emoji_smith.domain.workspace_settings import WorkspaceSettings
from emoji_smith.ports import Ports
from fakes.in_memory import (
    InMemoryJobs,
    InMemoryLedger,
    InMemorySettings,
    InMemoryWorkflow,
    RecordingInteractions,
)
from fakes.slack_payloads import shortcut, submission

DEFAULTS = WorkspaceSettings(
    member_daily_images=20,
    workspace_monthly_budget_usd=25.0,
    image_quality="low",
    styles=tuple(PRESETS),
    announcement_channel="",
)


class Webhook:
    def __init__(self) -> None:
        self.slack = RecordingInteractions()
        self.ledger = InMemoryLedger()
        self.workflow = InMemoryWorkflow()
        store = InMemorySettings()
        self.ports = Ports(
            slack_interactions=lambda: self.slack,
            job_repository=InMemoryJobs,
            usage_ledger=lambda: self.ledger,
            advisory_usage_ledger=lambda: self.ledger,
            settings_store=lambda: store,
            workflow=lambda: self.workflow,
            workspace_settings=lambda team: DEFAULTS,
            default_workspace_settings=lambda: DEFAULTS,
            image_service_configured=lambda: True,
        )

    def interact(self, payload: dict[str, Any]) -> dict[str, Any] | None:
        return answer_interaction(self.ports, parse_interaction(payload))

    def opened_blocks(self) -> dict[str, dict[str, Any]]:
        ((_, view),) = self.slack.opened
        return {block["block_id"]: block for block in view["blocks"]}


def test_asking_for_4_options_with_3_left_says_so() -> None:
    # GIVEN a member who made 17 of their 20 AI images today
    webhook = Webhook()
    webhook.ledger.member_day[("T1", "U1", Period.at(datetime.now(UTC)).day)] = 17
    form = create_emoji_modal({"ts": "1.2", "text": "cat"}, "C1", None, list(PRESETS))
    # WHEN they ask for 4 options of an AI style
    answer = webhook.interact(
        submission(form, "V1", description="a cat", style="cartoon", options=4)
    )
    # THEN the form says what is true: 4 asked, 3 left (not "you have used your 20 images")
    assert answer is not None
    refusal = answer["errors"]["options"]
    assert "You asked for 4 AI images and have 3 left today. Ask for 3 or fewer" in refusal
    assert "used your" not in refusal
    assert webhook.workflow.started == {}


def picture(file_id: str, name: str, mimetype: str, **more: object) -> dict[str, Any]:
    return {"id": file_id, "name": name, "mimetype": mimetype, "size": 1000, **more}


def test_pictures_the_form_cannot_use_are_named_with_why_under_start_from() -> None:
    # GIVEN a message with a PNG, an SVG, a HEIC photo and a 16000×16000 PNG
    files = [
        picture("F1", "cat.png", "image/png", original_w=800, original_h=600),
        picture("F2", "logo.svg", "image/svg+xml"),
        picture("F3", "holiday.heic", "image/heic"),
        picture("F4", "huge.png", "image/png", original_w=16000, original_h=16000),
    ]
    webhook = Webhook()
    # WHEN a member runs the shortcut on it
    webhook.interact(shortcut("https://hooks.slack.com/actions/T1/1/abc", "a cat", files))
    blocks = webhook.opened_blocks()
    # THEN only the usable picture is offered to start from
    offered = [option["text"]["text"] for option in blocks["source"]["element"]["options"]]
    assert offered == ["Nothing (describe it)", "Picture: cat.png"]
    # AND right under "Start from", each of the others is named with why, in plain text
    ids = list(blocks)
    assert ids[ids.index("source") + 1] == "source_notes"
    notes = blocks["source_notes"]
    assert notes["type"] == "context"
    assert {element["type"] for element in notes["elements"]} == {"plain_text"}
    texts = [element["text"] for element in notes["elements"]]
    assert texts[0].startswith("logo.svg is an SVG drawing")
    assert texts[1].startswith("holiday.heic is a HEIC photo")
    assert texts[2].startswith("huge.png is 16000×16000 pixels")


def test_a_message_whose_only_picture_is_unusable_says_why_without_offering_it() -> None:
    # GIVEN a message whose one picture is an SVG
    webhook = Webhook()
    files = [picture("F2", "logo.svg", "image/svg+xml")]
    # WHEN the shortcut runs
    webhook.interact(shortcut("https://hooks.slack.com/actions/T1/1/abc", "our logo", files))
    blocks = webhook.opened_blocks()
    # THEN nothing is offered to start from, and the member still learns why
    assert "source" not in blocks
    assert "SVG drawing" in blocks["source_notes"]["elements"][0]["text"]
