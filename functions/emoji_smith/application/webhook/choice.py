"""A button on a candidates message (choose, regenerate, cancel), or one of the Home tab's."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from emoji_smith.application.choosing import handle_click
from emoji_smith.application.spending import Spending
from emoji_smith.application.webhook.home import HOME_ACTIONS, on_home_button
from emoji_smith.application.webhook.respond import tell
from emoji_smith.application.webhook.settings import workspace_of
from emoji_smith.domain.choices import REGENERATE_ACTION, read_click
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
    allowance = spending(ports, click.team) if decided.action == REGENERATE_ACTION else None
    answer = handle_click(
        decided, click.user, ports.job_repository(), ports.workflow(), allowance, team_id=click.team
    )
    tell(ports, click.response_url, answer)


def spending(ports: Ports, team: str) -> Spending:
    """What the member may still spend, read now (not the modal's advisory figures): Regenerate
    at the limit must keep the choice the member paid for."""
    workspace = workspace_of(ports, team)
    return Spending(
        ports.usage_ledger(),
        workspace.limits,
        ports.image_model,
        workspace.image_quality,
        datetime.now(UTC),
    )
