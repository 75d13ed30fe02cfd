"""The App Home tab through signed requests and the real webhook: a member's gallery (images
from Slack only), Make another like this, and the admin's section — settings saved to the
settings table that the next request obeys, and forged admin actions refused."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from test_home_events import open_home
from test_slack_app import post, slack_environment

from conftest import ended_as
from emoji_smith.adapters.dynamodb_settings_store import DynamoDBSettingsStore
from emoji_smith_local.runtime import LocalAWS
from fakes.fake_openai import FakeOpenAI
from fakes.fake_slack import FakeSlack, view_problems
from fakes.slack_payloads import (
    form,
    function_url_event,
    home_click,
    settings_submission,
    shortcut,
    submission,
)

LIMIT = 10
ADMIN = "UADMIN1"
MEMBER = "UMEMBER1"


@pytest.fixture(scope="module")
def home_aws(fake_slack: FakeSlack, fake_openai: FakeOpenAI, outbox: Path) -> Iterator[LocalAWS]:
    environment = (
        slack_environment(fake_slack, outbox)
        | fake_openai.app_environment()
        | {
            "EMOJI_SMITH_MEMBER_DAILY_IMAGES": str(LIMIT),
            "EMOJI_SMITH_WORKSPACE_MONTHLY_BUDGET_USD": "5.00",
        }
    )
    with LocalAWS(instant_retries=True, environment=environment) as aws:
        yield aws


@pytest.fixture
def admins(slack: FakeSlack, home_aws: LocalAWS) -> Iterator[FakeSlack]:
    """The fake Slack knowing ADMIN as a workspace admin; T1's saved settings removed after."""
    slack.admins.add(ADMIN)
    yield slack
    boto3.client("dynamodb").delete_item(
        TableName=home_aws.physical_ids["SettingsTable"], Key={"team_id": {"S": "T1"}}
    )


def run(aws: LocalAWS, user: str, **request: object) -> dict[str, Any]:
    job_id = f"h-{uuid.uuid4().hex[:12]}"
    request = {"team_id": "T1", "user_id": user, "style": "cartoon", **request}
    return aws.wait(aws.start({"description": "a cat", **request}, job_id), timeout_seconds=60)


def published(slack: FakeSlack) -> dict[str, Any]:
    view: dict[str, Any] = slack.params(slack.calls("views.publish")[-1])["view"]
    return view


def opened(slack: FakeSlack) -> dict[str, Any]:
    view: dict[str, Any] = slack.params(slack.calls("views.open")[-1])["view"]
    return view


def saved(aws: LocalAWS) -> dict[str, Any] | None:
    return DynamoDBSettingsStore(aws.physical_ids["SettingsTable"]).saved("T1")


def click(aws: LocalAWS, payload: dict[str, Any]) -> dict[str, Any]:
    answer = post(aws, function_url_event(form(payload)))
    assert answer["statusCode"] == 200
    return answer


def submit_settings(aws: LocalAWS, view: dict[str, Any], user: str, **values: Any) -> Any:
    answer = post(aws, function_url_event(form(settings_submission(view, user, **values))))
    assert answer["statusCode"] == 200
    return json.loads(answer["body"])


STRICT = {
    "member_daily_images": 1,
    "workspace_monthly_budget_usd": "2.5",
    "image_quality": "medium",
    "styles": ["cartoon", "badge"],
    "announcement_channel": "CNEWS1",
}


def test_a_members_home_shows_their_emoji_with_pictures_from_slack_and_no_admin_section(
    home_aws: LocalAWS, slack: FakeSlack
) -> None:
    # GIVEN a member who made an emoji (shared as a Slack file), and another member's, made in
    # a public channel
    run(home_aws, MEMBER, name="home_cat")
    run(home_aws, "UOTHER1", name="their_cat", visibility="public")
    # WHEN the member opens the app's Home tab
    answer = open_home(home_aws, slack, MEMBER)
    # THEN a Home view (valid for Slack) is published for them
    assert answer["statusCode"] == 200
    (call,) = slack.calls("views.publish")
    assert slack.params(call)["user_id"] == MEMBER
    view = published(slack)
    text = json.dumps(view)
    assert "`:home_cat:`" in text
    assert "`:their_cat:`* by <@UOTHER1>" in text
    assert f"*{LIMIT - 1}* more AI images today" in text
    assert '"action_id": "home_create"' in text
    # AND the pictures are the Slack files the emoji were shared as (never a bucket's URL)
    pictures = [b["accessory"] for b in view["blocks"] if b.get("accessory", {}).get("alt_text")]
    assert pictures
    assert all(p["slack_file"]["url"].startswith("https://") for p in pictures)
    assert "amazonaws" not in text
    assert "X-Amz" not in text
    # AND each of their own emoji has Make another like this; there is no Admin section
    assert '"action_id": "home_make_another"' in text
    assert "Edit settings" not in text
    assert '"Admin"' not in text


def test_an_admins_home_has_the_months_bill_and_an_edit_settings_button(
    home_aws: LocalAWS, admins: FakeSlack
) -> None:
    # GIVEN a workspace where a member made an AI emoji this month
    run(home_aws, MEMBER, name="billed_cat")
    # WHEN an admin opens the Home tab
    open_home(home_aws, admins, ADMIN)
    # THEN the Admin section shows the month's images and dollars, who spent them, the settings
    text = json.dumps(published(admins), ensure_ascii=False)
    assert "Admin" in text
    assert "home_edit_settings" in text
    assert "AI images, ≈ $" in text
    assert f"<@{MEMBER}>:" in text
    assert f"*Daily images per member*: {LIMIT}" in text
    assert "*Image quality*: low" in text


def test_an_owner_is_an_admin_too(home_aws: LocalAWS, slack: FakeSlack) -> None:
    slack.owners.add("UOWNER1")
    open_home(home_aws, slack, "UOWNER1")
    assert "home_edit_settings" in json.dumps(published(slack))


def test_settings_an_admin_saves_apply_to_the_next_request(
    home_aws: LocalAWS, admins: FakeSlack, openai_service: FakeOpenAI
) -> None:
    # GIVEN an admin who opens the settings form from the Home tab
    click(home_aws, home_click("home_edit_settings", ADMIN))
    form_view = opened(admins)
    assert form_view["callback_id"] == "workspace_settings_modal"
    # WHEN they save: 1 image a day, $2.50, medium quality, two styles, an announcement channel
    asked = len(admins.calls("users.info"))
    answer = submit_settings(home_aws, form_view, ADMIN, **STRICT)
    # (Slack is asked once whether they are an admin: the refreshed Home trusts that answer)
    assert len(admins.calls("users.info")) == asked + 1
    # THEN the form closes, the settings are stored with who changed them, the Home is refreshed
    assert answer == {"response_action": "clear"}
    stored = saved(home_aws)
    assert stored is not None
    assert (stored["member_daily_images"], stored["image_quality"]) == ("1", "medium")
    assert (stored["styles"], stored["updated_by"]) == (["badge", "cartoon"], ADMIN)
    assert "*Image quality*: medium" in json.dumps(published(admins))
    # AND the next shortcut's modal offers only the two styles
    post(home_aws, function_url_event(form(shortcut(admins.response_url()))))
    modal = opened(admins)
    style = next(b for b in modal["blocks"] if b["block_id"] == "style")
    assert [o["value"] for o in style["element"]["options"]] == ["cartoon", "badge"]
    # AND a forged submission of a style no longer offered is refused inline
    forged = submission(modal, "VF1", style="flat", description="a cat")
    refused = json.loads(post(home_aws, function_url_event(form(forged)))["body"])
    assert refused["response_action"] == "errors"
    assert "does not offer the Flat style" in refused["errors"]["style"]
    # AND the workflow obeys them: a job is priced at medium, announced in the new channel...
    first = run(home_aws, "UFRESH1", name="strict_cat", visibility="public")
    assert first["status"] == "SUCCEEDED", first.get("cause")
    job = home_aws.job(json.loads(str(first["output"]))["job_id"])
    assert (job.image_quality, job.cost_usd) == ("medium", 0.053)
    assert openai_service.image_requests()[-1].json["quality"] == "medium"
    channels = [admins.params(call)["channel"] for call in admins.calls("chat.postMessage")]
    assert "CNEWS1" in channels
    # ...the member's second AI image today is refused, and a style dropped is refused
    assert ended_as(run(home_aws, "UFRESH1", name="second_cat")) == ("SUCCEEDED", "QuotaExceeded")
    assert ended_as(run(home_aws, "UFRESH2", style="flat")) == ("SUCCEEDED", "InvalidRequest")


def test_a_non_admin_cannot_open_or_submit_the_settings_form(
    home_aws: LocalAWS, admins: FakeSlack
) -> None:
    # GIVEN settings an admin saved
    click(home_aws, home_click("home_edit_settings", ADMIN))
    form_view = opened(admins)
    assert submit_settings(home_aws, form_view, ADMIN, **STRICT) == {"response_action": "clear"}
    before = saved(home_aws)
    opened_before = len(admins.calls("views.open"))
    # WHEN a member forges the Edit settings click
    click(home_aws, home_click("home_edit_settings", MEMBER))
    # THEN no form is opened for them
    assert len(admins.calls("views.open")) == opened_before
    # WHEN they forge a settings submission (lifting every limit)
    lifted = STRICT | {"member_daily_images": 1000, "workspace_monthly_budget_usd": 10000}
    answer = submit_settings(home_aws, form_view, MEMBER, **lifted)
    # THEN it is refused inline and nothing changed
    assert answer["response_action"] == "errors"
    assert "admins and owners" in json.dumps(answer["errors"])
    assert saved(home_aws) == before


def test_a_settings_form_with_bad_values_is_refused_inline_and_nothing_is_saved(
    home_aws: LocalAWS, admins: FakeSlack
) -> None:
    click(home_aws, home_click("home_edit_settings", ADMIN))
    bad = STRICT | {"workspace_monthly_budget_usd": "-3", "styles": []}
    answer = submit_settings(home_aws, opened(admins), ADMIN, **bad)
    assert answer["response_action"] == "errors"
    assert set(answer["errors"]) == {"workspace_monthly_budget_usd", "styles"}
    assert saved(home_aws) is None


def test_the_settings_form_shows_the_current_settings_and_is_valid_for_slack(
    home_aws: LocalAWS, admins: FakeSlack
) -> None:
    click(home_aws, home_click("home_edit_settings", ADMIN))
    view = opened(admins)
    assert view_problems(view) == []
    daily = next(b for b in view["blocks"] if b["block_id"] == "member_daily_images")
    assert daily["element"]["initial_value"] == str(LIMIT)
    quality = next(b for b in view["blocks"] if b["block_id"] == "image_quality")
    assert quality["element"]["initial_option"]["value"] == "low"
    assert "$0.006" in quality["element"]["initial_option"]["text"]["text"]


def test_make_another_like_this_opens_the_modal_with_that_emojis_description_and_style(
    home_aws: LocalAWS, slack: FakeSlack
) -> None:
    # GIVEN a member's pixel-art emoji
    execution = run(home_aws, MEMBER, name="pix_cat", style="pixel-art", description="a pixel cat")
    job_id = json.loads(str(execution["output"]))["job_id"]
    # WHEN they click Make another like this on it
    click(home_aws, home_click("home_make_another", MEMBER, job_id))
    # THEN the modal opens with its description, its style first, and a DM as the destination
    view = opened(slack)
    blocks = {b["block_id"]: b for b in view["blocks"]}
    assert blocks["description"]["element"]["initial_value"] == "a pixel cat"
    assert blocks["style"]["element"]["initial_option"]["value"] == "pixel-art"
    assert [o["value"] for o in blocks["share_to"]["element"]["options"]] == ["dm"]
    # WHEN another member forges the click with that job's id
    before = len(slack.calls("views.open"))
    click(home_aws, home_click("home_make_another", "UOTHER1", job_id))
    # THEN nothing opens: another member's description is not theirs to see
    assert len(slack.calls("views.open")) == before


def test_the_homes_create_button_opens_the_modal_for_a_dm(
    home_aws: LocalAWS, slack: FakeSlack
) -> None:
    click(home_aws, home_click("home_create", MEMBER))
    share = next(b for b in opened(slack)["blocks"] if b.get("block_id") == "share_to")
    assert [o["value"] for o in share["element"]["options"]] == ["dm"]


def test_when_slack_cannot_say_who_is_an_admin_the_answer_is_no(
    home_aws: LocalAWS, admins: FakeSlack
) -> None:
    # GIVEN Slack failing users.info (a 500, then a rate limit)
    admins.fail("users.info", "server_error", "ratelimited")
    # WHEN an admin opens the Home, then clicks Edit settings
    open_home(home_aws, admins, ADMIN)
    opened_before = len(admins.calls("views.open"))
    click(home_aws, home_click("home_edit_settings", ADMIN))
    # THEN the Home is published without the Admin section, and no form opens
    assert "home_edit_settings" not in json.dumps(published(admins))
    assert len(admins.calls("views.open")) == opened_before
