"""At submission, before anything is billed: where the job was made (its visibility, recorded
on the request) and whether its emoji can be shared there — one `conversations.info`, and a
`conversations.join` only for a public channel the bot is not in yet."""

from __future__ import annotations

import logging
from typing import Any

from emoji_smith.domain.conversations import Conversation, ShareTo, not_joined, place
from emoji_smith.domain.errors import EmojiSmithError
from emoji_smith.ports import SlackInteractions

logger = logging.getLogger("emoji_smith.webhook")


def placed(slack: SlackInteractions, request: dict[str, Any]) -> dict[str, Any]:
    """The submitted request with `visibility`, and `share_to`/`note` changed when the thread is
    out of reach (the emoji then comes by DM, and the member is told why when it starts)."""
    channel = str(request.get("channel_id") or "")
    share_to: ShareTo = "dm" if request.get("share_to") == "dm" else "thread"
    known: Conversation | None = None
    if channel:
        try:
            known = slack.conversation(channel)
        except EmojiSmithError as error:  # Slack would not say: private, and not ours to post in
            logger.warning("conversations.info %s: %s (treated as private)", channel, error)
    placement = place(channel or None, share_to, known)
    if placement.join:
        try:
            slack.join(channel)
            logger.info("Joined %s to share an emoji in its thread", channel)
        except EmojiSmithError as error:
            logger.warning("Could not join %s: %s (the emoji goes by DM)", channel, error)
            placement = not_joined(placement)
    return request | {
        "visibility": placement.visibility,
        "share_to": placement.share_to,
        "note": placement.note,
    }
