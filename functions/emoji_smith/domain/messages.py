"""What the member reads. Plain words; what happened, and what to do next."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from emoji_smith.domain.errors import ERRORS

if TYPE_CHECKING:
    from emoji_smith.domain.models import Delivery, StepFailure

INTERNAL_HINT = "Something went wrong on our side; we will retry automatically."


def escape(text: str) -> str:
    """Slack mrkdwn escaping: member text can never become a mention or a link."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def working_message(emoji_name: str, note: str = "") -> str:
    text = f"Working on :{escape(emoji_name)}: … this takes about a minute."
    return f"{text} {note}" if note else text


def how_to_add(emoji_name: str) -> str:
    """For workspaces where the app cannot add emoji itself (every plan but Enterprise Grid)."""
    name = escape(emoji_name)
    return f"To add it: download the image, then smiley menu → *Add Emoji*, and name it `{name}`."


def announcement(delivery: Delivery, user_id: str, shared_file: bool = True) -> str:
    """For the workspace's announcement channel; where the emoji was not added, where to get it
    (`shared_file`: the file is where members can see it, not in the maker's DM)."""
    name = escape(delivery.emoji_name)
    if delivery.method == "admin_emoji":
        return f"New emoji :{name}: by <@{user_id}>"
    public = shared_file and delivery.location.startswith("https://")
    where = f" — {delivery.location}" if public else ""
    return f"New emoji `{name}` by <@{user_id}>{where}"


def delivery_picture(
    delivery: Delivery | None, emoji_urls: Mapping[str, str]
) -> dict[str, Any] | None:
    """The emoji's image as Slack hosts it — the workspace emoji it became, or the file it was
    shared as — as an image block (the same object is an image element); None when Slack has
    neither (not delivered, or delivered locally). Never a bucket's URL."""
    if delivery is None:
        return None
    alt = f":{delivery.emoji_name}:"
    if delivery.method == "admin_emoji" and delivery.emoji_name in emoji_urls:
        return {"type": "image", "image_url": emoji_urls[delivery.emoji_name], "alt_text": alt}
    if delivery.method == "file_share" and delivery.location.startswith("https://"):
        return {"type": "image", "slack_file": {"url": delivery.location}, "alt_text": alt}
    return None


def announcement_blocks(
    delivery: Delivery, user_id: str, shared_file: bool = True
) -> list[dict[str, Any]]:
    """The announcement with the image, where it was shared as a file members can see (an
    emoji added to the workspace shows itself in the text)."""
    said = announcement(delivery, user_id, shared_file)
    text = {"type": "section", "text": {"type": "mrkdwn", "text": said}}
    picture = delivery_picture(delivery, {}) if shared_file else None
    return [text, picture] if picture else [text]


def success_message(delivery: Delivery, note: str = "") -> str:
    """Where the emoji is, and anything the member should know about how it was made."""
    text = _where(delivery)
    return f"{text} {note}" if note else text


def _where(delivery: Delivery) -> str:
    name = escape(delivery.emoji_name)
    if delivery.method == "admin_emoji":
        return f"Done: :{name}: is now an emoji in this workspace."
    if delivery.method == "file_share":
        return f"Your emoji is ready. {how_to_add(delivery.emoji_name)}"
    return f"Your emoji `{name}` is ready: {delivery.location}"


def failure_message(failure: StepFailure, emoji_name: str) -> str:
    known = ERRORS.get(failure.error)
    if failure.error in ("ChoiceCancelled", "ChoiceTimedOut"):
        return f"{ERRORS[failure.error].member_hint} ({escape(failure.cause)})"
    subject = f"the emoji `{escape(emoji_name)}`" if emoji_name else "your emoji"
    if known is None:
        return f"Could not make {subject} yet. {INTERNAL_HINT}"
    return f"Could not make {subject}. {known.member_hint} ({escape(failure.cause)})"
