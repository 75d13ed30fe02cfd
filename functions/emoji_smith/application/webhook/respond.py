"""An ephemeral answer to the member, where Slack gave a way to reach them."""

from __future__ import annotations

import logging

from emoji_smith.domain.errors import EmojiSmithError
from emoji_smith.ports import Ports

logger = logging.getLogger("emoji_smith.webhook")


def tell(ports: Ports, response_url: str | None, text: str) -> None:
    if not response_url:
        return
    try:
        ports.slack_interactions().respond(response_url, text)
    except EmojiSmithError as error:  # the answer to Slack must not wait on this
        logger.warning("Could not answer the member: %s", error)
