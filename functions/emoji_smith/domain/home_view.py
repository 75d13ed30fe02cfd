"""The member's App Home tab: what they have made, what the workspace made lately, their quota,
and a Create emoji button. Text and emoji names only: no image comes from a public bucket."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from emoji_smith.domain.messages import escape
from emoji_smith.domain.models import JobRecord

CREATE_ACTION = "home_create"
SHOWN = 20


def _line(record: JobRecord, with_author: bool) -> str:
    name = f"`{escape(record.emoji_name or '?')}`"
    when = (
        datetime.fromtimestamp(record.created_at, UTC).strftime("%b %d %H:%M UTC")
        if record.created_at
        else ""
    )
    status = (record.status or "?").lower().replace("_", " ")
    author = f" by <@{record.requester}>" if with_author and record.requester else ""
    return f"• {name}{author} — {status}, {when}"


def _section(
    title: str, records: list[JobRecord], empty: str, with_author: bool
) -> list[dict[str, Any]]:
    lines = [_line(record, with_author) for record in records[:SHOWN]] or [empty]
    return [
        {"type": "header", "text": {"type": "plain_text", "text": title}},
        {"type": "section", "text": {"type": "mrkdwn", "text": "\n".join(lines)[:2900]}},
    ]


def home_view(mine: list[JobRecord], workspace: list[JobRecord], quota_text: str) -> dict[str, Any]:
    return {
        "type": "home",
        "blocks": [
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": f"*Emoji Smith*\n{quota_text}"},
                "accessory": {
                    "type": "button",
                    "action_id": CREATE_ACTION,
                    "style": "primary",
                    "text": {"type": "plain_text", "text": "Create emoji"},
                },
            },
            {"type": "divider"},
            *_section("Your emoji", mine, "Nothing yet: run *Create emoji* on a message.", False),
            *_section("This workspace", workspace, "Nothing yet.", True),
        ],
    }
