"""Several candidates, a choice in Slack, regenerate — `.waitForTaskToken` on the embedded AWS
with the fake OpenAI and the fake Slack, clicks sent as Slack sends them (signed)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from test_slack_app import slack_environment

from conftest import ended_as
from emoji_smith.adapters.dynamodb_usage_ledger import DynamoDBUsageLedger
from emoji_smith.application.choosing import STILL_OPEN
from emoji_smith.domain.quotas import Charge, Limits, Period
from emoji_smith_local.runtime import LocalAWS
from fakes.fake_openai import FakeOpenAI
from fakes.fake_slack import FakeSlack
from fakes.slack_payloads import form, function_url_event, shortcut, submission

CHOICE_TIMEOUT = 4
DAILY_IMAGES = 1000


@pytest.fixture(scope="module")
def aws(fake_openai: FakeOpenAI, fake_slack: FakeSlack, outbox: Path) -> Iterator[LocalAWS]:
    environment = (
        slack_environment(fake_slack, outbox)
        | fake_openai.app_environment()
        | {
            # One member asks for many candidates here: the quota is not what these tests check.
            "EMOJI_SMITH_MEMBER_DAILY_IMAGES": str(DAILY_IMAGES),
        }
    )
    parameters = {"ChoiceTimeoutSeconds": str(CHOICE_TIMEOUT)}
    with LocalAWS(instant_retries=True, environment=environment, parameters=parameters) as local:
        yield local


def ask_for_options(aws: LocalAWS, slack: FakeSlack, view_id: str, count: int = 3) -> str:
    aws.invoke("WebhookFunction", function_url_event(form(shortcut(slack.response_url()))))
    view = slack.params(slack.calls("views.open")[-1])["view"]
    event = function_url_event(
        form(
            submission(
                view,
                view_id,
                description="a happy cat",
                name=view_id.lower(),
                style="cartoon",
                options=count,
            )
        )
    )
    assert aws.invoke("WebhookFunction", event)["statusCode"] == 200
    return f"T1-{view_id}"


def offered_buttons(slack: FakeSlack, job_id: str | None = None) -> dict[str, dict[str, Any]]:
    """The buttons of the candidates message the member sees, by action id (`job_id`: of that
    job's message, waited for: an earlier job's message may be the latest for a while)."""
    deadline = time.monotonic() + 30
    while True:
        for message in reversed(slack.responses()):
            buttons = {
                element["action_id"]: element
                for block in message.get("blocks") or []
                if block["type"] == "actions"
                for element in block["elements"]
            }
            offered_for = {json.loads(b["value"]).get("job") for b in buttons.values()}
            if buttons and (job_id is None or offered_for == {job_id}):
                return buttons
        assert time.monotonic() < deadline, "no candidates were offered"
        time.sleep(0.02)


def click(aws: LocalAWS, slack: FakeSlack, button: dict[str, Any], user: str = "U1") -> str:
    """A signed block_actions request; returns the ephemeral answer the clicker saw."""
    before = len(slack.responses())
    payload = {
        "type": "block_actions",
        "user": {"id": user},
        "team": {"id": "T1"},
        "actions": [{"action_id": button["action_id"], "value": button["value"], "type": "button"}],
        "response_url": slack.response_url("click"),
    }
    answer = aws.invoke("WebhookFunction", function_url_event(form(payload)))
    assert answer["statusCode"] == 200
    replies = [r for r in slack.responses()[before:] if r.get("replace_original") is False]
    return str(replies[-1]["text"])


def test_the_member_picks_one_and_only_that_one_is_delivered(
    aws: LocalAWS, openai_service: FakeOpenAI, slack: FakeSlack
) -> None:
    job_id = ask_for_options(aws, slack, "V-PICK")
    buttons = offered_buttons(slack, job_id)
    # THEN three images with a button each, plus Regenerate and Cancel; no task token in them
    assert {
        "emoji_choose_0",
        "emoji_choose_1",
        "emoji_choose_2",
        "emoji_regenerate",
        "emoji_cancel",
    } == set(buttons)
    assert all("token" not in b["value"].lower() for b in buttons.values())
    assert len(openai_service.image_requests()) == 1  # one request with n=3
    # WHEN the member picks the second
    assert click(aws, slack, buttons["emoji_choose_1"]) == "Option 2 it is: adding it now."
    execution = aws.wait(aws.execution_arn(job_id))
    assert execution["status"] == "SUCCEEDED"
    # THEN the second candidate's file is the one uploaded
    output = json.loads(str(execution["output"]))
    assert output["choice"] == {"index": 1}
    (uploaded,) = slack.uploads.values()
    assert uploaded == aws.images().get(output["emoji"]["keys"][1])


def test_another_member_cannot_choose(
    aws: LocalAWS, openai_service: FakeOpenAI, slack: FakeSlack
) -> None:
    job_id = ask_for_options(aws, slack, "V-OTHER")
    buttons = offered_buttons(slack, job_id)
    assert click(aws, slack, buttons["emoji_choose_0"], user="U999") == (
        "Only <@U1> can choose here."
    )
    assert aws.job(job_id).choice_state == "waiting"
    click(aws, slack, buttons["emoji_cancel"])  # tidy up: the owner cancels


def test_a_second_click_changes_nothing(
    aws: LocalAWS, openai_service: FakeOpenAI, slack: FakeSlack
) -> None:
    job_id = ask_for_options(aws, slack, "V-TWICE")
    buttons = offered_buttons(slack, job_id)
    click(aws, slack, buttons["emoji_choose_0"])
    assert click(aws, slack, buttons["emoji_choose_2"]).startswith("Already decided")
    execution = aws.wait(aws.execution_arn(job_id))
    assert json.loads(str(execution["output"]))["choice"] == {"index": 0}
    assert len(slack.calls("files.completeUploadExternal")) == 1


def test_cancel_uploads_nothing_and_says_so(
    aws: LocalAWS, openai_service: FakeOpenAI, slack: FakeSlack
) -> None:
    job_id = ask_for_options(aws, slack, "V-CANCEL")
    assert click(aws, slack, offered_buttons(slack, job_id)["emoji_cancel"]) == (
        "Cancelled: nothing will be uploaded."
    )
    execution = aws.wait(aws.execution_arn(job_id))
    assert ended_as(execution) == ("SUCCEEDED", "ChoiceCancelled")
    assert slack.calls("files.completeUploadExternal") == []
    # the member is told how it ended (the click's own answer may come after it: both run at once)
    told = [str(r.get("text")) for r in slack.responses()]
    assert any(text.startswith("Cancelled: nothing was uploaded.") for text in told), told


def test_no_pick_in_time_uploads_nothing_and_a_late_click_is_told(
    aws: LocalAWS, openai_service: FakeOpenAI, slack: FakeSlack
) -> None:
    job_id = ask_for_options(aws, slack, "V-LATE", count=2)
    buttons = offered_buttons(slack, job_id)
    execution = aws.wait(aws.execution_arn(job_id), timeout_seconds=CHOICE_TIMEOUT + 30)
    assert ended_as(execution) == ("SUCCEEDED", "ChoiceTimedOut")
    assert slack.calls("files.completeUploadExternal") == []
    assert "not picked in time" in slack.responses()[-1]["text"]
    late = click(aws, slack, buttons["emoji_choose_0"])
    assert late in (
        "This choice has expired: nothing was uploaded.",
        "This choice is no longer open.",
    )
    record = aws.job(job_id)
    assert (record.status, record.error) == ("FAILED", "ChoiceTimedOut")


def test_regenerate_starts_a_new_job_with_the_same_request(
    aws: LocalAWS, openai_service: FakeOpenAI, slack: FakeSlack
) -> None:
    job_id = ask_for_options(aws, slack, "V-REGEN")
    answer = click(aws, slack, offered_buttons(slack, job_id)["emoji_regenerate"])
    assert answer.startswith("New options are on their way (job T1-V-REGEN-regen-")
    new_job = answer.removeprefix("New options are on their way (job ").removesuffix(").")
    old = aws.wait(aws.execution_arn(job_id))
    assert ended_as(old) == ("SUCCEEDED", "ChoiceCancelled")
    new_input = json.loads(aws.describe(aws.execution_arn(new_job))["input"])
    assert new_input["job_id"] == new_job
    assert new_input["request"]["description"] == "a happy cat"
    assert new_input["request"]["options"] == 3
    # the new job made new images (a second, intended, request) and offers them again
    deadline = time.monotonic() + 30
    while len(openai_service.image_requests()) < 2:
        assert time.monotonic() < deadline
        time.sleep(0.02)
    # (its own message, not the first job's: cancelling that one would leave this one waiting,
    # and its candidates would arrive during the next test)
    assert click(aws, slack, offered_buttons(slack, new_job)["emoji_cancel"]).startswith("Cancel")


def test_regenerate_at_the_daily_limit_keeps_the_choice_open_and_says_so(
    aws: LocalAWS, openai_service: FakeOpenAI, slack: FakeSlack
) -> None:
    # GIVEN a member's 3 options waiting, and then the rest of their day's images spent
    job_id = ask_for_options(aws, slack, "V-REGEN-LIMIT")
    buttons = offered_buttons(slack, job_id)
    ledger = DynamoDBUsageLedger(aws.physical_ids["UsageTable"])
    period = Period.at(datetime.now(UTC))
    images, _ = ledger.spent("T1", "U1", period)
    rest = Charge("T1", "U1", DAILY_IMAGES - images, 0.0, period.day, period.month, "low")
    assert ledger.reserve(rest, Limits(DAILY_IMAGES, 1_000_000.0), period) is None
    try:
        # WHEN they press Regenerate
        answer = click(aws, slack, buttons["emoji_regenerate"])
        # THEN they are told the limit, and that their options stay open
        assert "have 0 left today" in answer or "used your" in answer, answer
        assert answer.endswith(STILL_OPEN)
        # AND no new job started, and the choice they paid for still works
        assert not any(f"{job_id}-regen-" in run["name"] for run in aws.executions())
        assert aws.describe(aws.execution_arn(job_id))["status"] == "RUNNING"
        assert click(aws, slack, buttons["emoji_choose_1"]).startswith("Option 2 it is")
        assert ended_as(aws.wait(aws.execution_arn(job_id)))[0] == "SUCCEEDED"
    finally:
        ledger.release(rest)


def test_a_forged_option_index_decides_nothing_and_the_real_click_still_works(
    aws: LocalAWS, openai_service: FakeOpenAI, slack: FakeSlack
) -> None:
    # GIVEN a job offering 2 options, and a signed click naming option 8
    job_id = ask_for_options(aws, slack, "V-FORGED", count=2)
    buttons = offered_buttons(slack, job_id)
    real = buttons["emoji_choose_1"]
    forged = {**real, "value": json.dumps({**json.loads(real["value"]), "i": 7})}
    # THEN the forged click is refused and changes nothing
    assert click(aws, slack, forged) == "That option does not exist; pick one of the buttons."
    assert aws.job(job_id).choice_state == "waiting"
    # AND the member's real click decides
    assert click(aws, slack, real) == "Option 2 it is: adding it now."
    execution = aws.wait(aws.execution_arn(job_id))
    assert json.loads(str(execution["output"]))["choice"] == {"index": 1}
