"""Where a job was made, and where its emoji can go: decided once, at submission, from one
`conversations.info` answer, and recorded on the request so no later view asks Slack again.

Privacy comes from Slack's flags, never from the id: private channels have C… ids too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Visibility = Literal["public", "private"]
ShareTo = Literal["thread", "dm"]

NOT_VISIBLE = (
    "Emoji Smith cannot see this conversation, so your emoji will come to you by DM "
    "(add Emoji Smith to the conversation to have emoji shared in the thread)."
)
NOT_A_MEMBER = (
    "Emoji Smith is not in this private conversation, so your emoji will come to you by DM "
    "(add Emoji Smith to it to have emoji shared in the thread)."
)
NOT_JOINED = (
    "Emoji Smith could not join this channel, so your emoji will come to you by DM "
    "(add Emoji Smith to the channel to have emoji shared in the thread)."
)


@dataclass(frozen=True)
class Conversation:
    """What `conversations.info` says, as far as the app needs it."""

    #: A private channel, a group DM or a DM (`is_private`, `is_mpim`, `is_im`).
    private: bool
    #: The bot can post, share and react there (a DM Slack shows the bot is one with the bot).
    member: bool


@dataclass(frozen=True)
class Placement:
    visibility: Visibility
    share_to: ShareTo
    #: A public channel the bot must join before the emoji can be shared in its thread.
    join: bool = False
    #: Why the emoji goes by DM though the thread was asked ("" when nothing changed).
    note: str = ""


def place(channel_id: str | None, share_to: ShareTo, known: Conversation | None) -> Placement:
    """`known`: Slack's answer, None when it gave none (not found, not allowed, unreachable):
    then the conversation is private and the bot not in it."""
    if not channel_id:
        return Placement("private", share_to)
    if known is None:
        return Placement("private", "dm", note=NOT_VISIBLE if share_to == "thread" else "")
    visibility: Visibility = "private" if known.private else "public"
    if known.member or share_to == "dm":
        return Placement(visibility, share_to)
    if known.private:
        return Placement(visibility, "dm", note=NOT_A_MEMBER)
    return Placement(visibility, share_to, join=True)


def not_joined(placement: Placement) -> Placement:
    """The channel could not be joined: the thread is out of reach, the DM is not."""
    return Placement(placement.visibility, "dm", note=NOT_JOINED)
