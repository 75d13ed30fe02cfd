"""The Enterprise Grid path: with an admin user token the emoji is added to the workspace."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_home_events import open_home
from test_slack_app import finished, open_modal, slack_environment, submit

from emoji_smith_local.runtime import LocalAWS
from fakes.fake_slack import ADMIN_TOKEN, FakeSlack


@pytest.fixture(scope="module")
def admin_aws(fake_slack: FakeSlack, outbox: Path) -> Iterator[LocalAWS]:
    environment = slack_environment(fake_slack, outbox) | {"SLACK_ADMIN_TOKEN": ADMIN_TOKEN}
    with LocalAWS(instant_retries=True, environment=environment) as aws:
        yield aws


def test_with_an_admin_token_the_emoji_is_added_and_reacted(
    admin_aws: LocalAWS, slack: FakeSlack
) -> None:
    # GIVEN "ship_it" is already taken in the workspace
    slack.emoji["ship_it"] = "https://emoji.test/old.png"
    view = open_modal(admin_aws, slack)
    # WHEN the member asks for that name anyway... the modal says so first
    answer = submit(admin_aws, view, "V-taken", description="ship it")
    assert "taken" in answer["errors"]["name"]
    assert "ship_it_2" in answer["errors"]["name"]
    # WHEN they pick the suggested name
    submit(admin_aws, view, "V-admin", description="ship it", name="ship_it_2")
    assert finished(admin_aws, "T1-V-admin")["status"] == "SUCCEEDED"
    # THEN admin.emoji.add got a short-lived URL of the emoji, with the admin token
    (added,) = slack.calls("admin.emoji.add")
    assert added.headers["authorization"] == f"Bearer {ADMIN_TOKEN}"
    assert slack.params(added)["name"] == "ship_it_2"
    assert "X-Amz-Expires=900" in slack.params(added)["url"]
    # AND the new emoji is a reaction on the source message, and the member is told
    (reaction,) = slack.calls("reactions.add")
    assert slack.params(reaction) == {
        "channel": "C1",
        "timestamp": "1700000000.000100",
        "name": "ship_it_2",
    }
    assert slack.responses()[-1]["text"] == "Done: :ship_it_2: is now an emoji in this workspace."


def test_a_name_taken_in_the_meantime_gets_a_suffix(admin_aws: LocalAWS, slack: FakeSlack) -> None:
    view = open_modal(admin_aws, slack)
    submit(admin_aws, view, "V-race", description="party hat", name="party_hat")
    slack.emoji["party_hat"] = "https://emoji.test/other.png"  # someone was faster
    execution = finished(admin_aws, "T1-V-race")
    assert execution["status"] == "SUCCEEDED"
    names = [slack.params(c)["name"] for c in slack.calls("admin.emoji.add")]
    assert names[-1] in ("party_hat", "party_hat_2")


def test_the_home_shows_an_added_emoji_with_its_slack_emoji_url(
    admin_aws: LocalAWS, slack: FakeSlack
) -> None:
    # GIVEN an emoji added to the workspace
    view = open_modal(admin_aws, slack)
    submit(admin_aws, view, "V-home", description="ship it", name="home_ship")
    assert finished(admin_aws, "T1-V-home")["status"] == "SUCCEEDED"
    # WHEN its maker opens the Home tab
    open_home(admin_aws, slack, "U1")
    # THEN its picture is the workspace's emoji as emoji.list serves it (Slack's copy)
    blocks = slack.params(slack.calls("views.publish")[-1])["view"]["blocks"]
    section = next(b for b in blocks if "home_ship" in json.dumps(b))
    assert section["accessory"]["image_url"] == slack.emoji["home_ship"]
    assert "X-Amz" not in json.dumps(blocks)
