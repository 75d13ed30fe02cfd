"""`/emoji [description]` opens the form (the description filled in); `/emoji help` and
`/emoji usage` answer the member alone."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from emoji_smith.application.spending import remaining
from emoji_smith.application.webhook.modal import open_create_modal
from emoji_smith.application.webhook.settings import workspace_of
from emoji_smith.domain.quotas import Period, what_is_left
from emoji_smith.domain.slack_payloads import SlashCommand
from emoji_smith.ports import Ports

logger = logging.getLogger("emoji_smith.webhook")


def on_command(ports: Ports, command: SlashCommand) -> dict[str, Any] | None:
    """The JSON body of the 200 answer (None: empty)."""
    if command.command != "/emoji":
        return {"response_type": "ephemeral", "text": "Unknown command."}
    topic = command.text.lower()
    if topic in ("help", "usage"):
        return {"response_type": "ephemeral", "text": _about(ports, topic, command)}
    open_create_modal(
        ports,
        trigger_id=command.trigger_id,
        team=command.team,
        channel=command.channel,
        response_url=command.response_url,
        message={"text": command.text},
    )
    return None


def _about(ports: Ports, topic: str, command: SlashCommand) -> str:
    team, user = command.team, command.user
    now = datetime.now(UTC)
    ledger = ports.usage_ledger()
    try:
        bounds = workspace_of(ports, team).limits
        images_left, budget_left = remaining(team, user, ledger, bounds, now)
    # The ledger's adapter raises its SDK's errors (the application cannot name them): the
    # member still gets the help, without the figures.
    except Exception:
        logger.exception("Could not read the usage ledger")
        images_left, budget_left = -1, -1.0
    left = (
        what_is_left(images_left, budget_left, Period.at(now))
        if images_left >= 0
        else "Your remaining quota could not be read just now."
    )
    if topic == "help":
        return (
            "*Emoji Smith* turns a message (or your words) into a custom emoji: run *Create "
            "emoji* on a message, or `/emoji a happy cat`. Badge and As is styles are free and "
            f"offline; AI styles count against your daily images.\n{left}"
        )
    usage = ledger.month_usage(now.strftime("%Y-%m"), team)
    mine = next((u for u in usage if u.user == user), None)
    made = f"{mine.images} AI images (≈ ${mine.dollars:.2f})" if mine else "no AI images"
    return f"This month you made {made}.\n{left}"
