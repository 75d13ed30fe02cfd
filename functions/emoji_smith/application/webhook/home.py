"""The Home tab: published when a member opens it (and after an admin saves the settings), and
its buttons (Create, Make another, Edit settings).

Opening it is answered at once: the publish is handed off (`HomePublishing`, the PublishHome
function) and done once per Slack `event_id` (`SeenEvents`), however often Slack resends it."""

from __future__ import annotations

import logging
import time
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
    """Hands the publish off and returns: Slack's answer never waits for the Home's reads."""
    try:
        ports.home_publishing().publish_later(
            opened.team, opened.user, opened.event_id, opened.enterprise
        )
    # The invoke's SDK errors (the application cannot name them): the Home is published on the
    # next open; the answer must not fail (Slack would resend the event).
    except Exception:
        logger.exception("Could not hand off the Home of %s", opened.user)


def publish_once(ports: Ports, team: str, user: str, event_id: str) -> bool:
    """The Home published unless this event was acted on before (a resend, or Lambda's own
    second delivery of an asynchronous invocation); whether it was published."""
    if event_id and not ports.seen_events().first_time(event_id, int(time.time())):
        logger.info("Event %s was acted on already: the Home is not published again", event_id)
        return False
    publish(ports, team, user)
    return True


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
