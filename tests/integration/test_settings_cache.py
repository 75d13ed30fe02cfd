"""A workspace's saved settings on their way to the webhook (bootstrap's cache policy): a save
made in another container is seen within `WORKSPACE_SETTINGS_SECONDS` (5 s) and never later, a
save made in the webhook's own container at once, and by every other function at once. Against
DynamoDB's API (moto's server), with the clock moved by hand."""

from __future__ import annotations

import pytest

from emoji_smith.bootstrap import (
    WORKSPACE_SETTINGS_SECONDS,
    bootstrap,
    ports,
    webhook_ports,
)
from emoji_smith.settings import Settings, function_environment


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
