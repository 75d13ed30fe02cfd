"""Picking one of several candidates in Slack: the Block Kit message and its buttons.

Buttons carry only the job id and an index; the Step Functions task token stays server-side in
the job record, so a forwarded or forged click can never resume a workflow by itself.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Final, Literal

from emoji_smith.domain.messages import escape
from emoji_smith.domain.models import ChoiceState, JobRecord

Action = Literal["emoji_choose", "emoji_regenerate", "emoji_cancel"]
CHOOSE_ACTION: Final = "emoji_choose"
REGENERATE_ACTION: Final = "emoji_regenerate"
CANCEL_ACTION: Final = "emoji_cancel"
ACTIONS: tuple[Action, ...] = (CHOOSE_ACTION, REGENERATE_ACTION, CANCEL_ACTION)


@dataclass(frozen=True, slots=True)
class Candidate:
    index: int
    image: bytes
    url: str


@dataclass(frozen=True, slots=True)
class Click:
    action: Action
    job_id: str
    index: int = 0


#: What each button decides, as the job record keeps it.
DECISIONS: Final[dict[Action, ChoiceState]] = {
    CHOOSE_ACTION: "chosen",
    CANCEL_ACTION: "cancelled",
    REGENERATE_ACTION: "regenerated",
}


def refusal(
    record: JobRecord | None, user_id: str, click: Click, team_id: str | None = None
) -> str | None:
    """Why this member's click cannot decide (None: it may). Only the member who asked decides,
    in the workspace it was asked in (`team_id`: the signed payload's; an Enterprise Grid member
    has one id in every workspace), once, while the choice is open, and only between the
    options offered. Another workspace's job is answered as if it did not exist."""
    if record is None or record.choice_state is None:
        return "This choice is no longer open."
    if team_id is not None and record.team_id != team_id:
        return "This choice is no longer open."
    if record.requester != user_id:
        return f"Only <@{record.requester}> can choose here."
    if record.choice_state != "waiting":
        return f"Already decided ({record.choice_state})."
    if click.action == CHOOSE_ACTION and not 0 <= click.index < record.options:
        return "That option does not exist; pick one of the buttons."
    return None


def candidates_message(job_id: str, emoji_name: str, image_urls: list[str]) -> list[dict[str, Any]]:
    name = escape(emoji_name)
    blocks: list[dict[str, Any]] = [
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": f"Pick your favourite for `{name}`:"},
        },
    ]
    for index, url in enumerate(image_urls):
        blocks.append({"type": "image", "image_url": url, "alt_text": f"Option {index + 1}"})
        blocks.append(
            {
                "type": "actions",
                "elements": [
                    {
                        "type": "button",
                        "action_id": f"{CHOOSE_ACTION}_{index}",
                        "style": "primary",
                        "text": {"type": "plain_text", "text": f"Use option {index + 1}"},
                        "value": json.dumps({"job": job_id, "i": index}),
                    }
                ],
            }
        )
    blocks.append(
        {
            "type": "actions",
            "elements": [
                {
                    "type": "button",
                    "action_id": REGENERATE_ACTION,
                    "text": {"type": "plain_text", "text": "Regenerate"},
                    "value": json.dumps({"job": job_id}),
                },
                {
                    "type": "button",
                    "action_id": CANCEL_ACTION,
                    "style": "danger",
                    "text": {"type": "plain_text", "text": "Cancel"},
                    "value": json.dumps({"job": job_id}),
                },
            ],
        }
    )
    return blocks


def read_click(action: dict[str, Any]) -> Click | None:
    """The click, or None when it is not one of ours or is malformed."""
    action_id = str(action.get("action_id", ""))
    kind = next((a for a in ACTIONS if action_id == a or action_id.startswith(f"{a}_")), None)
    if kind is None:
        return None
    try:
        value = json.loads(str(action.get("value", "")))
        job_id, index = str(value["job"]), int(value.get("i", 0))
    except (ValueError, KeyError, TypeError):
        return None
    return Click(kind, job_id, index)
