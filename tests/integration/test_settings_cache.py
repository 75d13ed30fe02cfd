"""A workspace's saved settings on their way to the webhook (bootstrap's cache policy): a save
made in another container is seen within `WORKSPACE_SETTINGS_SECONDS` (5 s) and never later, a
save made in the webhook's own container at once, and by every other function at once. Against
DynamoDB's API (moto's server), with the clock moved by hand. A conversation's privacy, asked of
Slack at submission, is held to the same bound (against the fake Slack's Web API)."""

from __future__ import annotations

import pytest

from emoji_smith.bootstrap import (
    WORKSPACE_SETTINGS_SECONDS,
    bootstrap,
    ports,
    webhook_ports,
)
from emoji_smith.domain.errors import SlackUnavailable
from emoji_smith.settings import Settings, function_environment
from fakes.fake_slack import BOT_TOKEN, FakeSlack


@pytest.fixture
def table(settings_table: str) -> str:
    return settings_table


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def save_quality(settings: Settings, quality: str, at: int = 1_800_000_000) -> None:
    """An admin's save from the Home tab, in a container of its own."""
    bootstrap(settings).settings_store().save("T1", {"image_quality": quality}, "UA", at)


def test_a_save_elsewhere_reaches_the_webhook_within_the_bound_and_never_later(
    table: str,
) -> None:
    # GIVEN a webhook container that has just read T1's settings (none saved: the defaults)
    settings, clock = Settings(settings_table_name=table), Clock()
    webhook = bootstrap(settings, clock, settings_seconds=WORKSPACE_SETTINGS_SECONDS)
    assert webhook.workspace_settings("T1").image_quality == "low"
    # WHEN an admin saves medium quality through another container
    save_quality(settings, "medium")
    # THEN within the bound the webhook may still answer from its read
    clock.now += WORKSPACE_SETTINGS_SECONDS - 0.1
    assert webhook.workspace_settings("T1").image_quality == "low"
    # AND once the bound has passed since its read began, it reads the save
    clock.now += 0.1
    assert webhook.workspace_settings("T1").image_quality == "medium"
    # AND a second change is again seen within the bound of that read, not later
    save_quality(settings, "high")
    clock.now += WORKSPACE_SETTINGS_SECONDS
    assert webhook.workspace_settings("T1").image_quality == "high"


def test_a_save_in_the_webhooks_own_container_is_seen_at_once(table: str) -> None:
    # GIVEN a webhook container that has read T1's settings
    settings, clock = Settings(settings_table_name=table), Clock()
    webhook = bootstrap(settings, clock, settings_seconds=WORKSPACE_SETTINGS_SECONDS)
    assert webhook.workspace_settings("T1").image_quality == "low"
    # WHEN the admin saves through that container (the settings form), the clock unmoved
    webhook.settings_store().save("T1", {"image_quality": "medium"}, "UA", 1_800_000_000)
    # THEN its next read has the save
    assert webhook.workspace_settings("T1").image_quality == "medium"
    # AND a workspace's data deleted through it (an uninstall) is gone at once too
    webhook.settings_store().forget("T1")
    assert webhook.workspace_settings("T1").image_quality == "low"


def test_the_steps_read_every_save_at_once_and_only_the_webhook_trusts_a_read(
    table: str,
) -> None:
    # GIVEN the webhook's and a step's containers in this process, each having read T1's settings
    environment = {"SETTINGS_TABLE_NAME": table}
    with function_environment(environment):
        assert webhook_ports().workspace_settings("T1").image_quality == "low"
        assert ports().workspace_settings("T1").image_quality == "low"
    # WHEN an admin saves elsewhere
    save_quality(Settings(settings_table_name=table), "medium")
    with function_environment(environment):
        # THEN the step reads it on its next request (a job obeys what was saved)
        assert ports().workspace_settings("T1").image_quality == "medium"
        # AND the webhook, a moment later, still answers from its read (within the 5 s bound)
        assert webhook_ports().workspace_settings("T1").image_quality == "low"


def with_slack(slack: FakeSlack) -> Settings:
    return Settings(slack_api_base_url=slack.base_url, local_secrets={"SLACK_BOT_TOKEN": BOT_TOKEN})


def test_a_channels_privacy_is_trusted_within_the_bound_and_asked_again_after(
    slack: FakeSlack,
) -> None:
    # GIVEN the webhook's Slack, which has just asked about a public channel
    slack.add_conversation("CTURNS1")
    settings = with_slack(slack)
    clock = Clock()
    webhook = bootstrap(settings, clock, settings_seconds=WORKSPACE_SETTINGS_SECONDS)
    assert webhook.slack_interactions().conversation("CTURNS1").private is False
    # WHEN the channel is made private and a submission comes within the bound
    slack.add_conversation("CTURNS1", private=True)
    clock.now += WORKSPACE_SETTINGS_SECONDS - 0.1
    within = webhook.slack_interactions().conversation("CTURNS1")
    # THEN the answer read at first is used, without asking Slack again
    assert within.private is False
    assert len(slack.calls("conversations.info")) == 1
    # AND once the bound has passed since that read began, Slack is asked and it is private
    clock.now += 0.1
    assert webhook.slack_interactions().conversation("CTURNS1").private is True
    assert len(slack.calls("conversations.info")) == 2


def test_a_failed_answer_about_a_channel_is_never_remembered(slack: FakeSlack) -> None:
    # GIVEN Slack failing conversations.info once
    slack.add_conversation("CFLAKY1")
    slack.fail("conversations.info", "server_error")
    settings = with_slack(slack)
    webhook = bootstrap(settings, Clock(), settings_seconds=WORKSPACE_SETTINGS_SECONDS)
    with pytest.raises(SlackUnavailable):
        webhook.slack_interactions().conversation("CFLAKY1")
    # WHEN the next submission in that channel comes at once
    known = webhook.slack_interactions().conversation("CFLAKY1")
    # THEN Slack is asked again, and its answer used
    assert (known.private, known.member) == (False, True)
    assert len(slack.calls("conversations.info")) == 2


def test_joining_a_channel_forgets_what_was_known_of_it(slack: FakeSlack) -> None:
    # GIVEN a public channel the bot is not in, just asked about
    slack.add_conversation("COUTSIDE1", member=False)
    settings = with_slack(slack)
    webhook = bootstrap(settings, Clock(), settings_seconds=WORKSPACE_SETTINGS_SECONDS)
    interactions = webhook.slack_interactions()
    assert interactions.conversation("COUTSIDE1").member is False
    # WHEN the bot joins it (to share an emoji in its thread)
    interactions.join("COUTSIDE1")
    # THEN the next submission asks again and sees the bot in it
    assert interactions.conversation("COUTSIDE1").member is True
    assert len(slack.calls("conversations.info")) == 2


def test_other_functions_ask_about_a_channel_each_time(slack: FakeSlack) -> None:
    # GIVEN a function's container (not the webhook's: no bound on what it reads)
    slack.add_conversation("CEACH1")
    settings = with_slack(slack)
    function = bootstrap(settings, Clock())
    # WHEN it asks about the same channel twice at the same moment
    function.slack_interactions().conversation("CEACH1")
    function.slack_interactions().conversation("CEACH1")
    # THEN Slack was asked twice
    assert len(slack.calls("conversations.info")) == 2
