"""The Home tab: published when a member opens it (and after an admin saves the settings), and
its buttons (Create, Make another, Edit settings)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from emoji_smith.application.home import another_like, publish_home
from emoji_smith.application.webhook.modal import open_create_modal
from emoji_smith.application.webhook.settings import open_settings_form, workspace_of
from emoji_smith.domain.home_view import CREATE_ACTION, EDIT_SETTINGS_ACTION, MAKE_ANOTHER_ACTION
from emoji_smith.domain.slack_payloads import BlockAction, HomeOpened
from emoji_smith.ports import Ports

logger = logging.getLogger("emoji_smith.webhook")
HOME_ACTIONS = (CREATE_ACTION, MAKE_ANOTHER_ACTION, EDIT_SETTINGS_ACTION)


def on_home_opened(ports: Ports, opened: HomeOpened) -> None:
    publish(ports, opened.team, opened.user)


def publish(ports: Ports, team: str, user: str, known_admin: bool = False) -> None:
    """Slack retries an event not answered in 3 s, so failures are logged, never raised."""
    try:
        publish_home(
            team,
            user,
            slack=ports.slack_interactions(),
            jobs=ports.job_repository(),
            ledger=ports.usage_ledger(),
            settings=workspace_of(ports, team),
            now=datetime.now(UTC),
            known_admin=known_admin,
        )
    # Slack's errors are EmojiSmithErrors, the tables' are their SDK's (the application cannot
    # name them): the Home is shown again on the next open; the answer must not fail.
    except Exception:
        logger.exception("Could not publish the Home of %s", user)


def on_home_button(ports: Ports, click: BlockAction) -> None:
    """From the Home tab there is no message and no channel: a new emoji goes to a DM."""
    team, user, trigger = click.team, click.user, click.trigger_id
    if click.action_id == CREATE_ACTION:
        open_create_modal(ports, trigger_id=trigger, team=team, message={"text": ""})
    elif click.action_id == MAKE_ANOTHER_ACTION:
        value = click.value
        record = another_like(ports.job_repository().get(value) if value else None, team, user)
        if record is None:
            logger.warning("Refused Make another for %s: job %r is not theirs", user, value)
            return
        open_create_modal(
            ports,
            trigger_id=trigger,
            team=team,
            message={"text": record.description or ""},
            first_style=record.style or "",
        )
    elif click.action_id == EDIT_SETTINGS_ACTION:
        open_settings_form(ports, trigger, team, user)
