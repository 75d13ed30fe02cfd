"""The App Home: the member's gallery and quota, and for admins and owners the workspace's
settings and bill. Whether someone is an admin is asked of Slack (`users.info`) on every
admin action — never read from the payload, which a member could forge."""

from __future__ import annotations

import logging
import time
from datetime import datetime
from typing import Any

from emoji_smith.application.spending import remaining
from emoji_smith.domain.costs import image_cost_usd
from emoji_smith.domain.errors import EmojiSmithError
from emoji_smith.domain.home_view import (
    MINE_SHOWN,
    WORKSPACE_SHOWN,
    admin_section,
    home_view,
    read_settings_form,
    settings_modal,
)
from emoji_smith.domain.models import JobRecord
from emoji_smith.domain.quotas import Period, what_is_left
from emoji_smith.domain.workspace_settings import QUALITIES, WorkspaceSettings, read_settings
from emoji_smith.ports import JobRepository, SettingsStore, SlackInteractions, UsageLedger

logger = logging.getLogger("emoji_smith.webhook")
#: An emoji added this recently and missing from the cached emoji list makes the Home ask again.
RECENTLY_ADDED_SECONDS = 600
NOT_AN_ADMIN = "Only the workspace's admins and owners can change Emoji Smith's settings."


def publish_home(
    team: str,
    user: str,
    *,
    slack: SlackInteractions,
    jobs: JobRepository,
    ledger: UsageLedger,
    settings: WorkspaceSettings,
    now: datetime,
    known_admin: bool = False,
) -> None:
    """Build and publish the member's Home (the admin section only for admins and owners).
    `known_admin`: Slack has just said so (a saved settings form): not asked again.

    Everything is read by key, so the cost does not grow with the tables: the two lists are two
    index queries of the rows shown, the quota and the bill key lookups. Callable from any
    path (the event's answer, or an asynchronous publish after it)."""
    images_left, budget_left = remaining(team, user, ledger, settings.limits, now)
    quota = f"{what_is_left(images_left, budget_left, Period.at(now))} Badge and As is are free."
    mine = jobs.recent(team, user, limit=MINE_SHOWN)
    everyone = jobs.recent(team, limit=WORKSPACE_SHOWN)
    admin = None
    if known_admin or _is_admin(slack, user):
        month = Period.at(now).month
        admin = admin_section(settings, month, ledger.month_usage(month, team))
    emoji_urls = _emoji_urls(slack, [*mine, *everyone], now)
    slack.publish_home(user, home_view(mine, everyone, quota, emoji_urls, admin))


def _emoji_urls(
    slack: SlackInteractions, records: list[JobRecord], now: datetime
) -> dict[str, str]:
    """The workspace emoji's pictures; asked again when one the app added in the last minutes
    is missing (added since the list was read; an old one missing was deleted, and is not
    worth asking again). None at all: the gallery shows names without pictures."""
    since = now.timestamp() - RECENTLY_ADDED_SECONDS
    added = {
        record.delivery.emoji_name
        for record in records
        if record.delivery
        and record.delivery.method == "admin_emoji"
        and (record.updated_at or 0) >= since
    }
    try:
        urls = slack.emoji_urls()
        return urls if added <= set(urls) else slack.emoji_urls(refresh=True)
    except EmojiSmithError as error:
        logger.warning("Could not list the workspace's emoji: %s", error)
        return {}


def open_settings(
    trigger_id: str, user: str, slack: SlackInteractions, settings: WorkspaceSettings, model: str
) -> bool:
    """The admin's settings form; False (and nothing opened) for anyone else."""
    if not _is_admin(slack, user):
        logger.warning("Refused the settings form to %s: not an admin or owner", user)
        return False
    prices = {quality: image_cost_usd(model, quality, 1) for quality in QUALITIES}
    slack.open_modal(trigger_id, settings_modal(settings, prices))
    return True


def save_settings(
    view: dict[str, Any],
    team: str,
    user: str,
    slack: SlackInteractions,
    store: SettingsStore,
) -> dict[str, str]:
    """Save what an admin submitted; inline errors by block id (empty when saved). Nothing is
    saved for someone who is not an admin or owner, whatever the payload says."""
    if not team or not _is_admin(slack, user):
        logger.warning("Refused a settings change by %s in %s: not an admin or owner", user, team)
        return {"member_daily_images": NOT_AN_ADMIN}
    chosen, problems = read_settings(read_settings_form(view))
    if problems:
        return problems
    store.save(team, chosen, by=user, at=int(time.time()))
    logger.info("Settings of %s changed by %s: %s", team, user, chosen)
    return {}


def another_like(record: JobRecord | None, team: str, user: str) -> JobRecord | None:
    """The member's own job to start again from (None: not theirs, or not this workspace's)."""
    if record is None or not record.style:
        return None
    if record.team_id != team or record.requester != user:
        return None
    return record


def _is_admin(slack: SlackInteractions, user: str) -> bool:
    try:
        return bool(user) and slack.is_admin(user)
    except EmojiSmithError as error:  # when in doubt, not an admin
        logger.warning("Could not ask Slack whether %s is an admin: %s", user, error)
        return False
