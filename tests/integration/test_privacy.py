"""Who sees what, end to end: signed shortcuts and submissions from different conversations into
the deployed webhook, the real workflow to delivery, then another member's Home and the
workspace's announcement channel — against the fake Slack, which answers `conversations.info`
and refuses a share or a post where the bot is not (`not_in_channel`, `channel_not_found`)."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from test_home_events import publishes
from test_slack_app import post, slack_environment

from emoji_smith.adapters.slack_gateway import NOT_IN_THE_CONVERSATION
from emoji_smith.domain.conversations import NOT_JOINED, NOT_VISIBLE
from emoji_smith_local.runtime import LocalAWS
from fakes.fake_slack import BOT_TOKEN, FakeSlack
from fakes.slack_payloads import form, function_url_event, home_click, shortcut, submission

NEWS = "CNEWS1"
MAKER = "U1"  # the member the payloads are from
OTHER = "UOTHER1"


@pytest.fixture(scope="module")
def privacy_aws(fake_slack: FakeSlack, outbox: Path) -> Iterator[LocalAWS]:
    environment = slack_environment(fake_slack, outbox) | {"EMOJI_SMITH_ANNOUNCEMENT_CHANNEL": NEWS}
    with LocalAWS(instant_retries=True, environment=environment) as aws:
        yield aws


def make_in(
    aws: LocalAWS, slack: FakeSlack, channel: str, name: str, share_to: str = "thread"
) -> tuple[dict[str, Any], str]:
    """A member's shortcut on a message in `channel`, submitted: (the run, its job id)."""
    payload = shortcut(slack.response_url()) | {"channel": {"id": channel}}
    assert post(aws, function_url_event(form(payload)))["statusCode"] == 200
    view = slack.params(slack.calls("views.open")[-1])["view"]
    view_id = f"V{uuid.uuid4().hex[:10]}"
    answer = post(
        aws,
        function_url_event(
            form(submission(view, view_id, description="a cat", name=name, share_to=share_to))
        ),
    )
    assert json.loads(answer["body"]) == {"response_action": "clear"}
    job_id = f"T1-{view_id}"
    return aws.wait(aws.execution_arn(job_id), timeout_seconds=60), job_id


def home_of(aws: LocalAWS, slack: FakeSlack, user: str) -> str:
    """The Home published for `user` when they open it (each event a new one), as text."""
    event = {
        "type": "event_callback",
        "team_id": "T1",
        "api_app_id": "A1",
        "event": {"type": "app_home_opened", "user": user, "channel": "D1", "tab": "home"},
        "event_id": f"Ev{uuid.uuid4().hex[:8]}",
        "event_time": 1_800_000_000,
    }
    body = json.dumps(event).encode()
    before = len(slack.calls("views.publish"))
    assert post(aws, function_url_event(body, "application/json"))["statusCode"] == 200
    published = publishes(slack, before + 1)[-1]  # published after the answer
    assert published["user_id"] == user
    return json.dumps(published["view"])


def announced(slack: FakeSlack) -> list[str]:
    return [
        str(slack.params(call)["text"])
        for call in slack.calls("chat.postMessage")
        if slack.params(call)["channel"] == NEWS
    ]


def shared_in(slack: FakeSlack) -> list[str]:
    return [str(slack.params(c)["channel_id"]) for c in slack.calls("files.completeUploadExternal")]


def working_text(slack: FakeSlack) -> str:
    return next(str(r["text"]) for r in slack.responses() if r["text"].startswith("Working on"))


PRIVATE_PLACES = {
    # (kind, private, the bot is in it) → where the emoji is shared
    "private-channel": ("channel", True, True),
    "group-dm": ("mpim", True, True),
    "dm-with-the-bot": ("im", True, True),
    "dm-between-members": ("im", True, False),
}


@pytest.mark.parametrize("place", list(PRIVATE_PLACES), ids=list(PRIVATE_PLACES))
def test_an_emoji_made_in_private_stays_in_its_makers_list_and_is_never_announced(
    privacy_aws: LocalAWS, slack: FakeSlack, place: str
) -> None:
    # GIVEN a conversation that is not a public channel (a private one has a C… id too)
    kind, private, member = PRIVATE_PLACES[place]
    channel = {"channel": "CSECRET1", "mpim": "CGROUP1", "im": "DPAIR1"}[kind]
    slack.add_conversation(channel, kind, private=private, member=member)  # type: ignore[arg-type]
    # WHEN a member makes an emoji from a message there
    name = "secret_" + place.replace("-", "_")
    execution, job_id = make_in(privacy_aws, slack, channel, name)
    assert execution["status"] == "SUCCEEDED", execution.get("cause")
    # THEN Slack was asked what the conversation is, once
    asked = [slack.params(c)["channel"] for c in slack.calls("conversations.info")]
    assert asked == [channel]
    # AND the job records it as private
    record = privacy_aws.job(job_id)
    assert record.visibility == "private"
    # AND nothing was posted in the announcement channel
    assert announced(slack) == []
    # AND another member's Home does not list it; the maker's does
    assert name not in home_of(privacy_aws, slack, OTHER)
    assert name in home_of(privacy_aws, slack, MAKER)


def test_an_emoji_made_in_a_public_channel_reaches_everyone(
    privacy_aws: LocalAWS, slack: FakeSlack
) -> None:
    # GIVEN a public channel the bot is in
    slack.add_conversation("COPEN1")
    # WHEN a member makes an emoji from a message there
    execution, job_id = make_in(privacy_aws, slack, "COPEN1", "open_cat")
    assert execution["status"] == "SUCCEEDED", execution.get("cause")
    assert privacy_aws.job(job_id).visibility == "public"
    # THEN it is shared in the thread and announced, with the file everyone can see
    assert shared_in(slack) == ["COPEN1"]
    location = json.loads(str(execution["output"]))["delivery"]["location"]
    assert announced(slack) == [f"New emoji `open_cat` by <@{MAKER}> — {location}"]
    # AND another member's Home lists it, by its maker, with that picture
    other = home_of(privacy_aws, slack, OTHER)
    assert f"`:open_cat:`* by <@{MAKER}>" in other
    assert location in other


def test_a_public_channels_emoji_shared_by_dm_is_announced_without_the_private_file(
    privacy_aws: LocalAWS, slack: FakeSlack
) -> None:
    # GIVEN a public channel, and a member who asks for the emoji by DM
    slack.add_conversation("COPEN2")
    execution, _job_id = make_in(privacy_aws, slack, "COPEN2", "dm_cat", share_to="dm")
    assert execution["status"] == "SUCCEEDED", execution.get("cause")
    location = json.loads(str(execution["output"]))["delivery"]["location"]
    # THEN it is announced by name, without the DM's file or its link
    assert announced(slack) == [f"New emoji `dm_cat` by <@{MAKER}>"]
    (call,) = [c for c in slack.calls("chat.postMessage") if slack.params(c)["channel"] == NEWS]
    assert location not in json.dumps(slack.params(call))
    # AND another member's Home lists it without the picture they cannot see
    other = home_of(privacy_aws, slack, OTHER)
    assert "`:dm_cat:`* by" in other
    assert location not in other


def test_when_slack_cannot_say_what_the_conversation_is_it_is_private(
    privacy_aws: LocalAWS, slack: FakeSlack
) -> None:
    # GIVEN Slack failing conversations.info
    slack.fail("conversations.info", "server_error")
    # WHEN a member makes an emoji from a message in what is in fact a public channel
    execution, job_id = make_in(privacy_aws, slack, "COPEN3", "unknown_cat")
    assert execution["status"] == "SUCCEEDED", execution.get("cause")
    # THEN it is treated as private: not announced, not on another member's Home, sent by DM
    assert privacy_aws.job(job_id).visibility == "private"
    assert announced(slack) == []
    assert "unknown_cat" not in home_of(privacy_aws, slack, OTHER)
    assert shared_in(slack) == [f"D{MAKER}"]
    assert NOT_VISIBLE in working_text(slack)


def test_the_fake_refuses_a_post_or_a_share_where_the_bot_is_not(slack: FakeSlack) -> None:
    # GIVEN a public channel the bot is not in, and a private one it cannot see
    slack.add_conversation("COUT1", member=False)
    slack.add_conversation("CHIDDEN1", private=True, member=False)
    client = WebClient(token=BOT_TOKEN, base_url=slack.base_url)
    # THEN posting is not_in_channel there and channel_not_found in the private one
    for channel, error in (("COUT1", "not_in_channel"), ("CHIDDEN1", "channel_not_found")):
        with pytest.raises(SlackApiError) as refused:
            client.chat_postMessage(channel=channel, text="hi")
        assert refused.value.response["error"] == error
    with pytest.raises(SlackApiError) as refused:
        client.files_upload_v2(channel="COUT1", file=b"png", filename="a.png")
    assert refused.value.response["error"] == "not_in_channel"
    with pytest.raises(SlackApiError) as refused:
        client.reactions_add(channel="COUT1", timestamp="1.2", name="party")
    assert refused.value.response["error"] == "not_in_channel"
    # AND only the public channel can be joined
    with pytest.raises(SlackApiError) as refused:
        client.conversations_join(channel="CHIDDEN1")
    assert refused.value.response["error"] == "channel_not_found"
    slack.add_conversation("CMINE1", private=True)
    with pytest.raises(SlackApiError) as refused:
        client.conversations_join(channel="CMINE1")
    assert refused.value.response["error"] == "method_not_supported_for_channel_type"
    assert client.conversations_join(channel="COUT1")["channel"]["is_member"] is True
    assert client.chat_postMessage(channel="COUT1", text="hi")["ok"] is True


def test_the_bot_joins_a_public_channel_it_is_not_in_before_anything_is_made(
    privacy_aws: LocalAWS, slack: FakeSlack
) -> None:
    # GIVEN a public channel the bot was never added to
    slack.add_conversation("COUT2", member=False)
    # WHEN a member makes an emoji there, to be shared in the thread
    execution, _job_id = make_in(privacy_aws, slack, "COUT2", "joined_cat")
    # THEN the bot joined it at submission, and the emoji is in the thread
    assert execution["status"] == "SUCCEEDED", execution.get("cause")
    assert [slack.params(c)["channel"] for c in slack.calls("conversations.join")] == ["COUT2"]
    assert shared_in(slack) == ["COUT2"]


def test_in_a_private_conversation_without_the_bot_the_emoji_comes_by_dm_saying_why(
    privacy_aws: LocalAWS, slack: FakeSlack
) -> None:
    # GIVEN a private channel the bot is not in (to the bot, Slack says channel_not_found)
    slack.add_conversation("CSHUT1", private=True, member=False)
    # WHEN a member makes an emoji there, to be shared in the thread
    execution, _job_id = make_in(privacy_aws, slack, "CSHUT1", "dm_instead")
    # THEN nothing is tried in the thread: it comes by DM, and the member was told why as it
    # started
    assert execution["status"] == "SUCCEEDED", execution.get("cause")
    assert shared_in(slack) == [f"D{MAKER}"]
    assert NOT_VISIBLE in working_text(slack)
    assert slack.calls("conversations.join") == []


def test_a_channel_the_bot_cannot_join_sends_the_emoji_by_dm_saying_why(
    privacy_aws: LocalAWS, slack: FakeSlack
) -> None:
    # GIVEN a public channel the bot is not in, which Slack will not let it join
    slack.add_conversation("CARCH1", member=False)
    slack.fail("conversations.join", "is_archived")
    # WHEN a member makes an emoji there
    execution, _job_id = make_in(privacy_aws, slack, "CARCH1", "not_joined")
    # THEN it comes by DM, saying why
    assert execution["status"] == "SUCCEEDED", execution.get("cause")
    assert shared_in(slack) == [f"D{MAKER}"]
    assert NOT_JOINED in working_text(slack)


def test_an_emoji_made_from_the_home_tab_is_its_makers_alone(
    privacy_aws: LocalAWS, slack: FakeSlack
) -> None:
    # GIVEN the modal opened from the Home tab's Create emoji (no conversation)
    answer = post(privacy_aws, function_url_event(form(home_click("home_create", MAKER))))
    assert answer["statusCode"] == 200
    view = slack.params(slack.calls("views.open")[-1])["view"]
    # WHEN it is submitted
    form_view = submission(view, "VHOME1", description="a cat", name="home_made")
    post(privacy_aws, function_url_event(form(form_view)))
    execution = privacy_aws.wait(privacy_aws.execution_arn("T1-VHOME1"), timeout_seconds=60)
    # THEN it is private without asking Slack, never announced, on no one else's Home
    assert execution["status"] == "SUCCEEDED", execution.get("cause")
    assert slack.calls("conversations.info") == []
    assert privacy_aws.job("T1-VHOME1").visibility == "private"
    assert announced(slack) == []
    assert "home_made" not in home_of(privacy_aws, slack, OTHER)


def test_a_slow_conversations_info_keeps_the_submission_within_slacks_3_s(
    privacy_aws: LocalAWS, slack: FakeSlack
) -> None:
    # GIVEN Slack answering conversations.info after 2.5 s (the bot is in that public channel)
    payload = shortcut(slack.response_url()) | {"channel": {"id": "COPEN4"}}
    post(privacy_aws, function_url_event(form(payload)))
    view = slack.params(slack.calls("views.open")[-1])["view"]
    slack.fail("conversations.info", "slow:2.5")
    # WHEN a member submits the form
    started = time.monotonic()
    filled = submission(view, "VSLOW1", description="a cat", name="slow_cat")
    answer = post(privacy_aws, function_url_event(form(filled)))
    took = time.monotonic() - started
    # THEN the form closes in time (a 1 s wait, not the 2 s of other calls), the job taken as
    # private and sent by DM, saying why
    assert json.loads(answer["body"]) == {"response_action": "clear"}
    assert took < 2.0, f"the submission took {took:.2f} s"
    execution = privacy_aws.wait(privacy_aws.execution_arn("T1-VSLOW1"), timeout_seconds=60)
    assert execution["status"] == "SUCCEEDED", execution.get("cause")
    assert privacy_aws.job("T1-VSLOW1").visibility == "private"
    assert shared_in(slack) == [f"D{MAKER}"]
    assert NOT_VISIBLE in working_text(slack)


def test_a_bot_removed_after_the_submission_still_delivers_what_was_billed_by_dm(
    privacy_aws: LocalAWS, slack: FakeSlack
) -> None:
    # GIVEN a job from a public channel the bot was in at submission, and has left since
    slack.add_conversation("CLEFT1", member=False)
    request = {
        "team_id": "T1",
        "user_id": MAKER,
        "channel_id": "CLEFT1",
        "message_ts": "1700000000.000100",
        "description": "a cat",
        "name": "left_cat",
        "style": "badge",
        "visibility": "public",
    }
    # WHEN the workflow delivers it
    job_id = f"left-{uuid.uuid4().hex[:8]}"
    execution = privacy_aws.wait(privacy_aws.start(request, job_id), timeout_seconds=60)
    # THEN the thread refused it (not_in_channel), and it went to the member's DM, saying why
    assert execution["status"] == "SUCCEEDED", execution.get("cause")
    assert shared_in(slack) == ["CLEFT1", f"D{MAKER}"]
    sent = slack.calls("files.completeUploadExternal")[-1]
    assert NOT_IN_THE_CONVERSATION in str(slack.params(sent)["initial_comment"])
    # AND it is announced without the DM's file, and listed for others without its picture
    assert announced(slack) == [f"New emoji `left_cat` by <@{MAKER}>"]
    delivery = privacy_aws.job(job_id).delivery
    assert delivery is not None
    assert delivery.shared_in == "dm"
    other = home_of(privacy_aws, slack, OTHER)
    assert "`:left_cat:`* by" in other
    assert delivery.location not in other
