"""Which use case answers a parsed Slack request."""

from __future__ import annotations

import logging
from typing import Any

from emoji_smith.application.webhook.choice import on_button
from emoji_smith.application.webhook.command import on_command
from emoji_smith.application.webhook.home import on_home_opened, publish
from emoji_smith.application.webhook.modal import on_shortcut
from emoji_smith.application.webhook.settings import save_settings_form
from emoji_smith.application.webhook.submission import on_submit
from emoji_smith.domain.home_view import SETTINGS_CALLBACK
from emoji_smith.domain.slack_payloads import (
    AppGone,
    BlockAction,
    HomeOpened,
    Interaction,
    MessageShortcut,
    OtherEvent,
    SlashCommand,
    ViewSubmission,
)
from emoji_smith.domain.slack_views import MODAL_CALLBACK
from emoji_smith.ports import Ports

logger = logging.getLogger("emoji_smith.webhook")
Answer = dict[str, Any] | None  # the JSON body of the 200 (None: empty)


def answer_interaction(ports: Ports, interaction: Interaction) -> Answer:
    if isinstance(interaction, MessageShortcut):
        on_shortcut(ports, interaction)
        return None
    if isinstance(interaction, BlockAction):
        on_button(ports, interaction)
        return None
    if isinstance(interaction, ViewSubmission) and interaction.callback_id == MODAL_CALLBACK:
        return on_submit(ports, interaction)
    if isinstance(interaction, ViewSubmission) and interaction.callback_id == SETTINGS_CALLBACK:
        answer, saved = save_settings_form(ports, interaction)
        if saved:  # the admin sees the change at once
            publish(ports, interaction.team, interaction.user, known_admin=True)
        return answer
    logger.info("Ignored an interaction: %s", interaction)
    return None


def answer_command(ports: Ports, command: SlashCommand) -> Answer:
    return on_command(ports, command)


def answer_event(ports: Ports, event: HomeOpened | AppGone | OtherEvent) -> None:
    if isinstance(event, HomeOpened):
        on_home_opened(ports, event)
    elif isinstance(event, AppGone):
        from emoji_smith.application.retention import forget_workspace_later

        forget_workspace_later(ports, event.team, event.reason)
