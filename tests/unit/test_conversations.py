"""Where a job was made decides who sees it and where its emoji can go (domain.conversations)."""

from __future__ import annotations

import pytest

from emoji_smith.domain.conversations import (
    NOT_A_MEMBER,
    NOT_JOINED,
    NOT_VISIBLE,
    Conversation,
    Placement,
    ShareTo,
    not_joined,
    place,
)

PUBLIC_IN = Conversation(private=False, member=True)
PUBLIC_OUT = Conversation(private=False, member=False)
PRIVATE_IN = Conversation(private=True, member=True)
PRIVATE_OUT = Conversation(private=True, member=False)


@pytest.mark.parametrize(
    ("channel", "share_to", "known", "expected"),
    [
        ("C1", "thread", PUBLIC_IN, Placement("public", "thread")),
        ("C1", "thread", PUBLIC_OUT, Placement("public", "thread", join=True)),
        ("C1", "dm", PUBLIC_OUT, Placement("public", "dm")),
        ("C2", "thread", PRIVATE_IN, Placement("private", "thread")),
        ("C2", "thread", PRIVATE_OUT, Placement("private", "dm", note=NOT_A_MEMBER)),
        ("C3", "thread", None, Placement("private", "dm", note=NOT_VISIBLE)),
        ("C3", "dm", None, Placement("private", "dm")),
        (None, "thread", None, Placement("private", "thread")),
    ],
    ids=[
        "public",
        "public-join",
        "public-by-dm",
        "private-with-the-bot",
        "private-without-the-bot",
        "slack-would-not-say",
        "slack-would-not-say-by-dm",
        "no-conversation",
    ],
)
def test_a_placement_follows_what_slack_said(
    channel: str | None, share_to: ShareTo, known: Conversation | None, expected: Placement
) -> None:
    assert place(channel, share_to, known) == expected


def test_a_channel_that_cannot_be_joined_sends_the_emoji_by_dm_and_stays_public() -> None:
    assert not_joined(place("C1", "thread", PUBLIC_OUT)) == Placement(
        "public", "dm", note=NOT_JOINED
    )
