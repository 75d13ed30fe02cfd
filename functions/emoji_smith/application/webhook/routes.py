"""Which use case answers a parsed Slack request. Each is imported on its branch: the
shortcut's cold start loads only the modal's (no pydantic models, no job table)."""

from __future__ import annotations

import logging
from typing import Any

from emoji_smith.domain.home_view import SETTINGS_CALLBACK
from emoji_smith.domain.slack_payloads import (
    AppGone,
    BlockAction,
    Event,
    HomeOpened,
    Interaction,
    MessageShortcut,
    SlashCommand,
    ViewSubmission,
    WorkspacesRevoked,
)
from emoji_smith.domain.slack_views import MODAL_CALLBACK
from emoji_smith.ports import Ports

logger = logging.getLogger("emoji_smith.webhook")
Answer = dict[str, Any] | None  # the JSON body of the 200 (None: empty)


def answer_interaction(ports: Ports, interaction: Interaction) -> Answer:
    if isinstance(interaction, MessageShortcut):
        from emoji_smith.application.webhook.modal import on_shortcut

        on_shortcut(ports, interaction)
        return None
    if isinstance(interaction, BlockAction):
        from emoji_smith.application.webhook.choice import on_button

        on_button(ports, interaction)
        return None
    if isinstance(interaction, ViewSubmission) and interaction.callback_id == MODAL_CALLBACK:
        from emoji_smith.application.webhook.submission import on_submit

        return on_submit(ports, interaction)
    if isinstance(interaction, ViewSubmission) and interaction.callback_id == SETTINGS_CALLBACK:
        from emoji_smith.application.webhook.home import publish
        from emoji_smith.application.webhook.settings import save_settings_form

        answer, saved = save_settings_form(ports, interaction)
        if saved:  # the admin sees the change at once
            publish(ports, interaction.team, interaction.user, known_admin=True)
        return answer
    logger.info("Ignored an interaction: %s", interaction)
    return None


def answer_command(ports: Ports, command: SlashCommand) -> Answer:
    from emoji_smith.application.webhook.command import on_command

    return on_command(ports, command)


def answer_event(ports: Ports, event: Event) -> None:
    if isinstance(event, HomeOpened):
        from emoji_smith.application.webhook.home import on_home_opened

        on_home_opened(ports, event)
    elif isinstance(event, AppGone):
        from emoji_smith.application.retention import forget_workspaces_later

        # An org-wide install gone: the workspace Slack names (if any) loses the app too;
        # each other workspace of the org was removed from it first (`WorkspacesRevoked`).
        forget_workspaces_later(ports, [event.team], event.reason)
    elif isinstance(event, WorkspacesRevoked):
        from emoji_smith.application.retention import forget_workspaces_later

        forget_workspaces_later(ports, event.teams, "team_access_revoked")
