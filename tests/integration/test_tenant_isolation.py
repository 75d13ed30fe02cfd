"""Tenant isolation in distribution mode (#23): a member of workspace TB can never choose, see,
copy or change anything of workspace TA, even with the same member id (an Enterprise Grid
member has one id in every workspace of the org). The team is the signed payload's team_id
only; each workspace's Slack calls are made with its own token, which cannot reach the other's
files (the fake Slack refuses as Slack does)."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from test_distribution import distribution_environment, in_team, install
from test_pick_candidates import offered_buttons

from emoji_smith.adapters.dynamodb_settings_store import DynamoDBSettingsStore
from emoji_smith_local.runtime import LocalAWS
from fakes.fake_openai import FakeOpenAI
from fakes.fake_slack import FakeSlack
from fakes.slack_payloads import (
    form,
    function_url_event,
    home_click,
    home_opened,
    settings_submission,
    shortcut,
    submission,
)

#: The same member in both workspaces (Grid), so only the team can tell them apart.
MEMBER = "WGRID1"


@pytest.fixture(scope="module")
def aws(
    fake_slack: FakeSlack, fake_openai: FakeOpenAI, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LocalAWS]:
    environment = fake_openai.app_environment() | distribution_environment(
        fake_slack, tmp_path_factory
    )
    with LocalAWS(instant_retries=True, environment=environment) as local:
        yield local


@pytest.fixture
def workspaces(aws: LocalAWS, slack: FakeSlack, openai_service: FakeOpenAI) -> LocalAWS:
    """TA and TB installed through the flow, each with its channel; MEMBER in both."""
    slack.place("TA", "CTA")
    slack.place("TB", "CTB")
    slack.grid_member(MEMBER, "TA", "TB")
    for team in ("TA", "TB"):
        assert install(aws, slack, team)["statusCode"] == 200
    return aws


def as_member(payload: dict[str, Any], team: str) -> dict[str, Any]:
    moved = in_team(payload, team)
    text = json.dumps(moved).replace(f'"U{team}"', f'"{MEMBER}"')
    member: dict[str, Any] = json.loads(text)
    return member


def post(aws: LocalAWS, payload: dict[str, Any]) -> dict[str, Any]:
    answer = aws.call("WebhookFunction", function_url_event(form(payload)))
    assert answer["statusCode"] == 200, answer
    return answer


def ask_for_options(aws: LocalAWS, slack: FakeSlack, team: str, view_id: str) -> str:
    post(aws, as_member(shortcut(slack.response_url()), team))
    view = slack.params(slack.calls("views.open")[-1])["view"]
    asked = submission(view, view_id, description="a happy cat", style="cartoon", options=2)
    post(aws, as_member(asked, team))
    return f"{team}-{view_id}"


def click(aws: LocalAWS, slack: FakeSlack, button: dict[str, Any], team: str) -> str:
    before = len(slack.responses())
    payload = {
        "type": "block_actions",
        "user": {"id": MEMBER},
        "team": {"id": team},
        "actions": [{"action_id": button["action_id"], "value": button["value"], "type": "button"}],
        "response_url": slack.response_url("click"),
    }
    post(aws, payload)
    replies = [r for r in slack.responses()[before:] if r.get("replace_original") is False]
    return str(replies[-1]["text"])


def test_a_candidate_click_from_another_workspace_decides_nothing(
    workspaces: LocalAWS, slack: FakeSlack
) -> None:
    aws = workspaces
    # GIVEN MEMBER's job in TA, waiting for their choice
    job_id = ask_for_options(aws, slack, "TA", "VCHOOSE")
    buttons = offered_buttons(slack, job_id)
    first = buttons["emoji_choose_0"]

    # WHEN the same member id clicks TA's button from TB
    answer = click(aws, slack, first, "TB")

    # THEN it is answered as no choice of theirs, and the job still waits
    assert answer == "This choice is no longer open."
    assert aws.job(job_id).choice_state == "waiting"
    # ... and the click from TA itself decides, with TA's token
    slack.requests.clear()
    assert click(aws, slack, first, "TA") == "Option 1 it is: adding it now."
    execution = aws.wait(aws.execution_arn(job_id))
    assert execution["status"] == "SUCCEEDED", execution.get("cause")
    (complete,) = slack.calls("files.completeUploadExternal")
    assert slack.team_of(complete) == "TA"


def test_make_another_from_another_workspace_opens_nothing(
    workspaces: LocalAWS, slack: FakeSlack
) -> None:
    aws = workspaces
    # GIVEN MEMBER's finished emoji in TA
    job_id = f"ta-{time.monotonic_ns()}"
    request = {"team_id": "TA", "user_id": MEMBER, "style": "badge", "description": "ta secret"}
    made = aws.wait(aws.start(request, job_id))
    assert made["status"] == "SUCCEEDED", made.get("cause")

    # WHEN the same member id clicks Make another like this with that job's id, from TB
    slack.requests.clear()
    post(aws, home_click("home_make_another", MEMBER, job_id) | {"team": {"id": "TB"}})

    # THEN nothing opens in TB (TA's description is not TB's to see); from TA it opens
    assert slack.calls("views.open") == []
    post(aws, home_click("home_make_another", MEMBER, job_id) | {"team": {"id": "TA"}})
    (opened,) = slack.calls("views.open")
    assert slack.team_of(opened) == "TA"
    assert "ta secret" in json.dumps(slack.params(opened)["view"])


def test_a_file_of_another_workspace_cannot_be_a_starting_picture(
    workspaces: LocalAWS, slack: FakeSlack
) -> None:
    aws = workspaces
    # GIVEN a picture shared in TA
    slack.share_file("FTA1", "cat.png", b"\x89PNG\r\n\x1a\n", team="TA")

    # WHEN a TB member's job names it as its starting picture
    job_id = f"tb-{time.monotonic_ns()}"
    request = {
        "team_id": "TB",
        "user_id": MEMBER,
        "style": "cartoon",
        "description": "a cat",
        "source": {"kind": "file", "id": "FTA1", "label": "cat.png"},
    }
    slack.requests.clear()
    execution = aws.wait(aws.start(request, job_id))

    # THEN TB's token cannot read it (Slack answers file_not_found), and nothing of it is used
    infos = slack.calls("files.info")
    assert infos
    assert {slack.team_of(r) for r in infos} == {"TB"}
    assert not any(r.path.startswith("/files-pri/") for r in slack.requests)
    assert execution["status"] == "SUCCEEDED", execution.get("cause")  # ended as an outcome
    assert aws.job(job_id).delivery is None


def made_in(aws: LocalAWS, team: str, name: str, description: str) -> None:
    request = {
        "team_id": team,
        "user_id": MEMBER,
        "style": "badge",
        "name": name,
        "description": description,
    }
    made = aws.wait(aws.start(request, f"{team.lower()}-{time.monotonic_ns()}"))
    assert made["status"] == "SUCCEEDED", made.get("cause")


def published_home(slack: FakeSlack) -> dict[str, Any]:
    """The Home view published (after the event's answer: PublishHome runs asynchronously)."""
    deadline = time.monotonic() + 30
    while not slack.calls("views.publish"):
        assert time.monotonic() < deadline, "no Home was published"
        time.sleep(0.02)
    (call,) = slack.calls("views.publish")
    return {"team": slack.team_of(call), "view": slack.params(call)["view"]}


def test_the_home_shows_nothing_of_another_workspace(
    workspaces: LocalAWS, slack: FakeSlack
) -> None:
    aws = workspaces
    # GIVEN MEMBER's emoji in TA and in TB
    made_in(aws, "TA", "only_in_ta", "a secret of ta")
    made_in(aws, "TB", "only_in_tb", "a cat of tb")

    # WHEN MEMBER opens the app's Home in TB
    slack.requests.clear()
    opened = home_opened(MEMBER)
    body = base64.b64decode(opened["body"]).decode().replace('"T1"', '"TB"')
    answer = aws.call("WebhookFunction", function_url_event(body.encode(), "application/json"))
    assert answer["statusCode"] == 200, answer

    # THEN it is published with TB's token and shows TB's emoji, none of TA's
    home = published_home(slack)
    assert home["team"] == "TB"
    shown = json.dumps(home["view"])
    assert "only_in_tb" in shown
    assert "only_in_ta" not in shown
    assert "a secret of ta" not in shown


def test_an_admin_of_another_workspace_changes_only_their_own_settings(
    workspaces: LocalAWS, slack: FakeSlack
) -> None:
    aws = workspaces
    slack.admins.add(MEMBER)  # an admin in both (Grid)
    # GIVEN the settings form opened in TB
    post(aws, home_click("home_edit_settings", MEMBER) | {"team": {"id": "TB"}})
    (opened,) = slack.calls("views.open")
    assert slack.team_of(opened) == "TB"
    view = slack.params(opened)["view"]

    # WHEN it is submitted from TB, its view claiming TA
    values = {
        "member_daily_images": 1,
        "workspace_monthly_budget_usd": "2.5",
        "image_quality": "medium",
        "styles": ["badge"],
        "announcement_channel": None,
    }
    submitted = settings_submission(view, MEMBER, **values)
    submitted["team"] = {"id": "TB"}
    submitted["view"]["team_id"] = "TA"
    answer = post(aws, submitted)

    # THEN TB's settings changed, TA's did not
    assert json.loads(answer["body"]) == {"response_action": "clear"}
    store = DynamoDBSettingsStore(aws.physical_ids["SettingsTable"])
    tb = store.saved("TB")
    assert tb is not None
    assert tb["member_daily_images"] == "1"
    assert store.saved("TA") is None
