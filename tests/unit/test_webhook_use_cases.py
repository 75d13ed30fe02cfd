"""The webhook's use cases on in-memory ports: what a member's shortcut, submission, click or
Home tab does, in milliseconds (the signed HTTP path is tested end to end in integration/)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from emoji_smith.application.webhook.home import publish_once
from emoji_smith.application.webhook.routes import answer_command, answer_event, answer_interaction
from emoji_smith.domain.choices import CHOOSE_ACTION
from emoji_smith.domain.home_view import EDIT_SETTINGS_ACTION, MAKE_ANOTHER_ACTION
from emoji_smith.domain.models import EmojiRequest, JobStatus
from emoji_smith.domain.quotas import Period
from emoji_smith.domain.slack_payloads import (
    HomeOpened,
    parse_command,
    parse_event,
    parse_interaction,
)
from emoji_smith.domain.slack_requests import MalformedPayload
from emoji_smith.domain.slack_views import create_emoji_modal
from emoji_smith.domain.styles import PRESETS
from emoji_smith.domain.workspace_settings import WorkspaceSettings
from emoji_smith.ports import Ports
from fakes.in_memory import (
    InMemoryJobs,
    InMemoryLedger,
    InMemorySeenEvents,
    InMemorySettings,
    InMemoryWorkflow,
    RecordingHomePublishing,
    RecordingInteractions,
)
from fakes.slack_payloads import home_click, settings_submission, shortcut, submission

RESPONSE_URL = "https://hooks.slack.com/actions/T1/1/abc"
DEFAULTS = WorkspaceSettings(
    member_daily_images=2,
    workspace_monthly_budget_usd=10.0,
    image_quality="low",
    styles=tuple(PRESETS),
    announcement_channel="",
)
ALLOWED = {
    "member_daily_images": 1,
    "workspace_monthly_budget_usd": "2.5",
    "image_quality": "medium",
    "styles": ["cartoon", "badge"],
    "announcement_channel": "CNEWS1",
}


class Webhook:
    """One webhook container on fakes: its Ports and what they recorded."""

    def __init__(self, images: bool = True) -> None:
        self.slack = RecordingInteractions(admins={"UADMIN"})
        self.jobs = InMemoryJobs()
        self.ledger = InMemoryLedger()
        self.store = InMemorySettings()
        self.workflow = InMemoryWorkflow()
        self.handoffs = RecordingHomePublishing()
        self.seen = InMemorySeenEvents()
        self.ports = Ports(
            home_publishing=lambda: self.handoffs,
            seen_events=lambda: self.seen,
            slack_interactions=lambda: self.slack,
            job_repository=lambda: self.jobs,
            usage_ledger=lambda: self.ledger,
            advisory_usage_ledger=lambda: self.ledger,
            settings_store=lambda: self.store,
            workflow=lambda: self.workflow,
            workspace_settings=self.settings_of,
            default_workspace_settings=lambda: DEFAULTS,
            image_service_configured=lambda: images,
        )

    def settings_of(self, team: str) -> WorkspaceSettings:
        return DEFAULTS.overridden_by(self.store.saved(team)) if team else DEFAULTS

    def interact(self, payload: dict[str, Any]) -> dict[str, Any] | None:
        return answer_interaction(self.ports, parse_interaction(payload))

    def offered_styles(self) -> list[str]:
        _, view = self.slack.opened[-1]
        style = next(b for b in view["blocks"] if b["block_id"] == "style")
        return [option["value"] for option in style["element"]["options"]]


def create_form() -> dict[str, Any]:
    return create_emoji_modal({"ts": "1.2", "text": "ship it"}, "C1", None, list(PRESETS))


def spent_today(webhook: Webhook, user: str, images: int) -> None:
    day = Period.at(datetime.now(UTC)).day
    webhook.ledger.member_day[("T1", user, day)] = images


def test_the_shortcut_offers_the_styles_the_workspace_offers_image_styles_first() -> None:
    # GIVEN a workspace whose admins offer two styles
    webhook = Webhook()
    webhook.store.save("T1", {"styles": ["badge", "cartoon"]}, by="UADMIN", at=1)
    # WHEN a member runs the shortcut on a message
    assert webhook.interact(shortcut(RESPONSE_URL)) is None
    # THEN the form opens on the click's trigger with those two, the AI style first
    assert [trigger for trigger, _ in webhook.slack.opened] == ["13345.7890.abc"]
    assert webhook.offered_styles() == ["cartoon", "badge"]


def test_without_an_image_service_and_only_ai_styles_the_member_is_told_why() -> None:
    # GIVEN no OpenAI key, and a workspace that offers only AI styles
    webhook = Webhook(images=False)
    webhook.store.save("T1", {"styles": ["cartoon"]}, by="UADMIN", at=1)
    # WHEN a member runs the shortcut
    webhook.interact(shortcut(RESPONSE_URL))
    # THEN no form opens, and the member alone is told what an admin can do
    assert webhook.slack.opened == []
    ((url, text),) = webhook.slack.answers
    assert url == RESPONSE_URL
    assert "Home tab" in text


def test_a_form_slack_refuses_to_open_tells_the_member_to_run_the_shortcut_again() -> None:
    webhook = Webhook()
    webhook.slack.refuse.add("views.open")
    webhook.interact(shortcut(RESPONSE_URL))
    ((_, text),) = webhook.slack.answers
    assert "run the shortcut again" in text


def test_a_submission_starts_the_workflow_once_under_the_views_name() -> None:
    # GIVEN the create form filled in
    webhook = Webhook()
    filled = submission(create_form(), "V7", description="ship it", name="ship_it")
    # WHEN Slack delivers it, and delivers it again
    first = webhook.interact(filled)
    again = webhook.interact(filled)
    # THEN the form closes both times, and one job was started, named after the view
    assert first == again == {"response_action": "clear"}
    assert list(webhook.workflow.started) == ["T1-V7"]
    started = webhook.workflow.started["T1-V7"]
    assert started["request"]["name"] == "ship_it"
    assert (started["request"]["team_id"], started["request"]["user_id"]) == ("T1", "U1")


def test_a_style_the_workspace_no_longer_offers_is_refused_inline() -> None:
    webhook = Webhook()
    webhook.store.save("T1", {"styles": ["badge"]}, by="UADMIN", at=1)
    forged = submission(create_form(), "V8", description="a cat", style="flat")
    answer = webhook.interact(forged)
    assert answer is not None
    assert answer["response_action"] == "errors"
    assert "does not offer the Flat style" in answer["errors"]["style"]
    assert webhook.workflow.started == {}


def test_more_ai_images_than_are_left_today_are_refused_on_the_form() -> None:
    # GIVEN a member who has made 2 of their 2 AI images today
    webhook = Webhook()
    spent_today(webhook, "U1", 2)
    # WHEN they ask for an AI style
    answer = webhook.interact(submission(create_form(), "V9", description="x", style="cartoon"))
    # THEN the options field says so and nothing starts; the free badge still starts
    assert answer is not None
    assert "options" in answer["errors"]
    assert webhook.workflow.started == {}
    assert webhook.interact(submission(create_form(), "V10", description="x", name="x_badge")) == {
        "response_action": "clear"
    }


def test_a_submission_the_workflow_cannot_start_keeps_the_form() -> None:
    class Down(InMemoryWorkflow):
        def start(self, name: str, execution_input: dict[str, Any]) -> bool:
            raise ConnectionError("Step Functions did not answer")

    webhook = Webhook()
    webhook.workflow = Down()
    answer = webhook.interact(submission(create_form(), "V11", description="x", name="x"))
    assert answer is not None
    assert "submit again" in answer["errors"]["description"]


def test_only_an_admin_saves_the_settings_and_their_home_is_refreshed() -> None:
    webhook = Webhook()
    form = {"callback_id": "workspace_settings_modal", "blocks": []}
    # WHEN a member who is not an admin submits the settings form (forged)
    refused = webhook.interact(settings_submission(form, "UMEMBER", **ALLOWED))
    # THEN nothing is saved and nothing published
    assert refused is not None
    assert refused["response_action"] == "errors"
    assert webhook.store.saved("T1") is None
    assert webhook.slack.homes == []
    # WHEN an admin submits it
    saved = webhook.interact(settings_submission(form, "UADMIN", **ALLOWED))
    # THEN it is saved with who saved it, and their Home shows the new quality
    assert saved == {"response_action": "clear"}
    stored = webhook.store.saved("T1")
    assert stored is not None
    assert stored["updated_by"] == "UADMIN"
    ((user, home),) = webhook.slack.homes
    assert user == "UADMIN"
    assert "*Image quality*: medium" in json.dumps(home)


def test_the_settings_form_opens_for_admins_only() -> None:
    webhook = Webhook()
    webhook.interact(home_click(EDIT_SETTINGS_ACTION, "UMEMBER"))
    assert webhook.slack.opened == []
    webhook.interact(home_click(EDIT_SETTINGS_ACTION, "UADMIN"))
    ((_, form),) = webhook.slack.opened
    assert form["callback_id"] == "workspace_settings_modal"


def test_opening_the_home_tab_hands_the_publish_off_and_it_publishes_once_per_event() -> None:
    webhook = Webhook()
    # WHEN a member opens the Home tab
    answer_event(webhook.ports, HomeOpened(team="T1", user="U1", event_id="Ev1"))
    # THEN the answer publishes nothing itself: it hands the publish off
    assert webhook.slack.homes == []
    ((team, user, event_id),) = webhook.handoffs.asked
    assert (team, user, event_id) == ("T1", "U1", "Ev1")
    # AND the hand-off publishes once, however often it is delivered
    assert publish_once(webhook.ports, team, user, event_id)
    assert not publish_once(webhook.ports, team, user, event_id)
    ((user, home),) = webhook.slack.homes
    assert user == "U1"
    assert home["type"] == "home"
    assert "home_edit_settings" not in json.dumps(home)  # U1 is no admin


def test_a_home_that_cannot_be_published_never_fails_the_event() -> None:
    webhook = Webhook()
    webhook.slack.refuse.add("views.publish")
    answer_event(
        webhook.ports,
        parse_event({"team_id": "T1", "event": {"type": "app_home_opened", "user": "U1"}}),
    )
    assert webhook.slack.homes == []


def recorded_job(webhook: Webhook, job_id: str, requester: str) -> None:
    request = EmojiRequest(
        user_id=requester, team_id="T1", name="cat", description="a cat", style="cartoon"
    )
    webhook.jobs.record_progress(job_id, request, JobStatus.RUNNING, "Validate")


def test_make_another_from_someone_elses_job_opens_nothing() -> None:
    # GIVEN a job of U2's
    webhook = Webhook()
    recorded_job(webhook, "T1-J1", "U2")
    # WHEN U1 sends Make another with that job's id (forged: their Home never shows it)
    webhook.interact(home_click(MAKE_ANOTHER_ACTION, "U1", value="T1-J1"))
    # THEN no form opens; U2 gets their own job's form, its style first
    assert webhook.slack.opened == []
    webhook.interact(home_click(MAKE_ANOTHER_ACTION, "U2", value="T1-J1"))
    assert webhook.offered_styles()[0] == "cartoon"


def test_a_forged_choice_by_another_member_decides_nothing() -> None:
    # GIVEN U2's job waiting for a choice between two options
    webhook = Webhook()
    recorded_job(webhook, "T1-J2", "U2")
    request = EmojiRequest(
        user_id="U2", team_id="T1", name="cat", description="a cat", style="cartoon", options=2
    )
    webhook.jobs.await_choice("T1-J2", "token-1", request)
    click = {
        "type": "block_actions",
        "team": {"id": "T1"},
        "user": {"id": "U1"},
        "response_url": RESPONSE_URL,
        "actions": [{"action_id": f"{CHOOSE_ACTION}_0", "value": '{"job": "T1-J2", "i": 0}'}],
    }
    # WHEN U1 clicks Choose on it
    webhook.interact(click)
    # THEN U1 alone is told who may choose, and the wait is not resumed
    ((_, text),) = webhook.slack.answers
    assert text == "Only <@U2> can choose here."
    assert webhook.workflow.resumed == []


def test_emoji_help_answers_the_member_alone_with_what_is_left() -> None:
    webhook = Webhook()
    fields = {"command": "/emoji", "text": " help ", "team_id": "T1", "user_id": "U1"}
    answer = answer_command(webhook.ports, parse_command(fields))
    assert answer is not None
    assert answer["response_type"] == "ephemeral"
    assert "You can make *2* more AI images today" in answer["text"]
    assert webhook.slack.opened == []


@pytest.mark.parametrize(
    ("payload", "problem"),
    [
        ({"type": "message_action", "team": "T1"}, "team is not an object"),
        ({"type": "message_action", "user": {"id": {"x": 1}}}, "user.id is not text"),
        ({"type": "message_action", "message": ["a"]}, "message is not an object"),
        ({"type": "block_actions", "actions": "choose"}, "actions is not a list"),
        ({"type": "view_submission", "view": "a string"}, "view is not an object"),
    ],
)
def test_a_payload_of_the_wrong_shape_is_malformed_not_a_crash(
    payload: dict[str, Any], problem: str
) -> None:
    with pytest.raises(MalformedPayload, match=problem):
        parse_interaction(payload)
