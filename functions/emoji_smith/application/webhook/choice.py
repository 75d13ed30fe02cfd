"""A button on a candidates message (choose, regenerate, cancel), or one of the Home tab's."""

from __future__ import annotations

import logging

from emoji_smith.application.choosing import handle_click
from emoji_smith.application.webhook.home import HOME_ACTIONS, on_home_button
from emoji_smith.application.webhook.respond import tell
from emoji_smith.domain.choices import read_click
from emoji_smith.domain.slack_payloads import BlockAction
from emoji_smith.ports import Ports

logger = logging.getLogger("emoji_smith.webhook")


def on_button(ports: Ports, click: BlockAction) -> None:
    """Decide, and answer the clicker (only them). Who may decide is checked against the job
    (`domain.choices.refusal`), never taken from the payload."""
    if click.action_id in HOME_ACTIONS:
        on_home_button(ports, click)
        return
    decided = read_click(click.action) if click.action is not None else None
    if decided is None:
        logger.info("Ignored a block action")
        return
    answer = handle_click(decided, click.user, ports.job_repository(), ports.workflow())
    tell(ports, click.response_url, answer)
