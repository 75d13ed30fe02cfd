"""The Create emoji form: from the message shortcut, /emoji, or the Home tab's buttons."""

from __future__ import annotations

import logging
from collections.abc import Set as AbstractSet
from typing import Any

from emoji_smith.application.webhook.respond import tell
from emoji_smith.application.webhook.settings import workspace_of
from emoji_smith.domain.errors import EmojiSmithError
from emoji_smith.domain.pictures import message_pictures
from emoji_smith.domain.slack_payloads import MessageShortcut
from emoji_smith.domain.slack_views import SHORTCUT_CALLBACK, create_emoji_modal, offered_sources
from emoji_smith.domain.styles import PRESETS
from emoji_smith.ports import Ports

logger = logging.getLogger("emoji_smith.webhook")
NO_STYLE = (
    "This workspace offers no style that works just now. An admin can choose the styles on "
    "Emoji Smith's Home tab."
)
MODAL_FAILED = (
    "Sorry, Slack did not let me open the Create emoji form just now. "
    "Please run the shortcut again."
)


def on_shortcut(ports: Ports, shortcut: MessageShortcut) -> None:
    if shortcut.callback_id != SHORTCUT_CALLBACK:
        logger.info("Ignored a message shortcut: %s", shortcut.callback_id)
        return
    open_create_modal(
        ports,
        trigger_id=shortcut.trigger_id,
        team=shortcut.team,
        channel=shortcut.channel,
        response_url=shortcut.response_url,
        message=shortcut.message,
    )


def open_create_modal(
    ports: Ports,
    *,
    trigger_id: str,
    team: str,
    message: dict[str, Any],
    channel: str = "",
    response_url: str | None = None,
    first_style: str = "",
) -> None:
    """`message`: what the emoji starts from (only `text` for /emoji and the Home tab: nothing
    to react to, the result goes to the channel or a DM). `first_style`: offered first
    (selected), when the workspace offers it."""
    with_images = ports.image_service_configured()
    sources = offered_sources(message, _custom_emoji_named(ports, message))
    offered = workspace_of(ports, team).styles
    styles = [
        key
        for key, preset in PRESETS.items()
        if key in offered
        and (with_images or not preset.needs_image_service)
        and (sources or not preset.needs_picture)
    ]
    if not styles:
        tell(ports, response_url, NO_STYLE)
        return
    # Image styles first when they work: the offline ones are the fallback, not the point; with
    # a picture to start from, As is comes before the badge (which draws text only).
    styles.sort(
        key=lambda key: (
            key != first_style,
            not PRESETS[key].needs_image_service,
            not (sources and PRESETS[key].needs_picture),
        )
    )
    view = create_emoji_modal(
        message,
        channel,
        response_url,
        styles,
        ai_animation=with_images,
        sources=sources,
        notes=message_pictures(message.get("files")).reasons,
    )
    try:
        ports.slack_interactions().open_modal(trigger_id, view)
    except EmojiSmithError as error:
        # Nothing was started; tell the member, who can run the shortcut again.
        logger.error("Could not open the modal: %s", error)
        tell(ports, response_url, MODAL_FAILED)


def _custom_emoji_named(ports: Ports, message: dict[str, Any]) -> AbstractSet[str]:
    """The workspace's custom emoji, asked only when the text names one (`:name:`); the list is
    cached a minute, and a failure just offers none."""
    if ":" not in str(message.get("text") or ""):
        return set()
    try:
        return ports.slack_interactions().emoji_names()
    except EmojiSmithError as error:
        logger.warning("Could not list the workspace's emoji: %s", error)
        return set()
