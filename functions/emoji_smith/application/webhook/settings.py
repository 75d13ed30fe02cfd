"""The workspace's settings as the webhook reads them, and the admin's settings form."""

from __future__ import annotations

import logging
from typing import Any

from emoji_smith.domain.errors import EmojiSmithError
from emoji_smith.domain.slack_payloads import ViewSubmission
from emoji_smith.domain.workspace_settings import WorkspaceSettings
from emoji_smith.ports import Ports

logger = logging.getLogger("emoji_smith.webhook")
NOT_SAVED = "The settings could not be saved just now. Try again."


def workspace_of(ports: Ports, team: str) -> WorkspaceSettings:
    """The workspace's settings; the defaults when they cannot be read just now (the modal and
    its checks are advisory: the workflow reads them again and decides)."""
    try:
        return ports.workspace_settings(team)
    # The store's adapter raises its SDK's errors (the application cannot name them), and a
    # missed read must not cost the member the 3 s ack.
    except Exception:
        logger.exception("Could not read the settings of %s", team)
        return ports.default_workspace_settings()


def open_settings_form(ports: Ports, trigger_id: str, team: str, user: str) -> None:
    """The admin's form from the Home tab (nothing for anyone else)."""
    from emoji_smith.application.home import open_settings  # not on the shortcut's cold path

    try:
        open_settings(
            trigger_id,
            user,
            ports.slack_interactions(),
            workspace_of(ports, team),
            ports.image_model,
        )
    except EmojiSmithError as error:
        logger.error("Could not open the settings form: %s", error)


def save_settings_form(ports: Ports, submission: ViewSubmission) -> tuple[dict[str, Any], bool]:
    """The answer to the submitted form, and whether anything was saved."""
    from emoji_smith.application.home import save_settings

    team, user = submission.team, submission.user
    try:
        errors = save_settings(
            submission.view, team, user, ports.slack_interactions(), ports.settings_store()
        )
    # As in `workspace_of`: the store's SDK errors; the admin keeps the form and saves again.
    except Exception:
        logger.exception("Could not save the settings of %s", team)
        errors = {"member_daily_images": NOT_SAVED}
    if errors:
        return {"response_action": "errors", "errors": errors}, False
    return {"response_action": "clear"}, True
