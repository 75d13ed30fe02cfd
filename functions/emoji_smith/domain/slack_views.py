"""The Create emoji modal (Block Kit) and what its submission means. Pure: dicts in, dicts out.
One module (over 250 lines): the form and its reading share every block id and option value."""

from __future__ import annotations

import json
import re
from collections.abc import Set as AbstractSet
from typing import Any

from emoji_smith.domain.motion import AI_ANIMATION, AI_ANIMATION_LABEL, EFFECTS
from emoji_smith.domain.naming import (
    NAME_RULE,
    suggest_name,
)
from emoji_smith.domain.pictures import message_pictures
from emoji_smith.domain.styles import PRESETS
from emoji_smith.domain.validation import (
    MAX_DESCRIPTION_LENGTH,
    MAX_OPTIONS,
    clean_text,
)

SHORTCUT_CALLBACK = "create_emoji"
MODAL_CALLBACK = "create_emoji_modal"
MAX_METADATA = 3000
_TEXT_IN_METADATA = 1500

#: Where the emoji may be shared (the modal offers exactly these).
SHARE_TO = ("thread", "dm")
#: The modal's "no animation" option (Slack options need a non-empty value).
NO_ANIMATION = "none"
#: The modal's "start from nothing" option, and how many pictures and emoji it offers at most.
NO_SOURCE = "none"
MAX_OFFERED = 5
#: Block Kit's limit on a context block's elements.
MAX_NOTES = 10
_EMOJI_IN_TEXT = re.compile(r":([a-z0-9_+'-]{1,100}):")


def offered_sources(
    message: dict[str, Any], custom_emoji: AbstractSet[str]
) -> list[dict[str, str]]:
    """What the modal offers to start from: the message's usable pictures (by file id;
    `pictures.message_pictures` says why the others are not), then the workspace's custom emoji
    its text names (by name). References only, never a URL."""
    pictures = message_pictures(message.get("files")).usable
    names = dict.fromkeys(_EMOJI_IN_TEXT.findall(str(message.get("text") or "")))
    emoji = [
        {"kind": "emoji", "id": name, "label": f":{name}:"}
        for name in names
        if name in custom_emoji
    ][:MAX_OFFERED]
    return pictures + emoji


def input_block(
    block_id: str,
    label: str,
    element: dict[str, Any],
    optional: bool = False,
    hint: str | None = None,
) -> dict[str, Any]:
    block: dict[str, Any] = {
        "type": "input",
        "block_id": block_id,
        "optional": optional,
        "label": {"type": "plain_text", "text": label},
        "element": element,
    }
    if hint:
        block["hint"] = {"type": "plain_text", "text": hint}
    return block


def plain_option(value: str, text: str) -> dict[str, Any]:
    return {"text": {"type": "plain_text", "text": text}, "value": value}


def create_emoji_modal(
    message: dict[str, Any],
    channel_id: str,
    response_url: str | None,
    styles: list[str],
    *,
    ai_animation: bool = False,
    sources: list[dict[str, str]] | None = None,
    notes: list[str] | None = None,
) -> dict[str, Any]:
    """The modal for a message shortcut; `private_metadata` carries the context (≤ 3000 chars).
    `ai_animation`: offer the image model's own animation (only with the image service).
    `notes`: why some of the message's pictures are not offered, shown under "Start from"."""
    text = clean_text(str(message.get("text", "")))
    metadata = {
        "channel_id": channel_id,
        "message_ts": message.get("ts"),
        "thread_ts": message.get("thread_ts"),
        "response_url": response_url,
        "message_text": text[:_TEXT_IN_METADATA],
        "sources": sources or [],
    }
    encoded = json.dumps(metadata, ensure_ascii=False)
    while len(encoded) > MAX_METADATA:
        metadata["message_text"] = str(metadata["message_text"])[
            : -max(1, len(encoded) - MAX_METADATA)
        ]
        encoded = json.dumps(metadata, ensure_ascii=False)
    style_options = [plain_option(key, PRESETS[key].label[:75]) for key in styles]
    source_block = _source_block(sources or [])
    # From /emoji there is no message: "thread" then means the channel itself.
    here = "In the message's thread" if message.get("ts") else "In this channel"
    still = plain_option(NO_ANIMATION, "None (a still emoji)")
    animation_options = [
        still,
        *(plain_option(effect.name, effect.label) for effect in EFFECTS),
        *([plain_option(AI_ANIMATION, AI_ANIMATION_LABEL)] if ai_animation else []),
    ]
    return {
        "type": "modal",
        "callback_id": MODAL_CALLBACK,
        "title": {"type": "plain_text", "text": "Create emoji"},
        "submit": {"type": "plain_text", "text": "Create"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "private_metadata": encoded,
        "blocks": [
            input_block(
                "description",
                "Description",
                {
                    "type": "plain_text_input",
                    "action_id": "value",
                    "multiline": True,
                    "max_length": MAX_DESCRIPTION_LENGTH,
                    # Slack refuses an empty initial_value (a file-only message has no text).
                    **({"initial_value": text[:MAX_DESCRIPTION_LENGTH]} if text.strip() else {}),
                },
                hint='What the emoji shows. Quote text to write it, e.g. a sign saying "LGTM".',
                optional=bool(sources),
            ),
            *source_block,
            *_notes_block(notes or []),
            input_block(
                "name",
                "Emoji name",
                {
                    "type": "plain_text_input",
                    "action_id": "value",
                    "max_length": 64,
                    "placeholder": {"type": "plain_text", "text": suggest_name(text) or "my_emoji"},
                },
                optional=True,
                hint=f"Optional; {NAME_RULE}.",
            ),
            input_block(
                "style",
                "Style",
                {
                    "type": "static_select",
                    "action_id": "value",
                    "options": style_options,
                    "initial_option": style_options[0],
                },
            ),
            input_block(
                "animation",
                "Animation",
                {
                    "type": "static_select",
                    "action_id": "value",
                    "options": animation_options,
                    "initial_option": still,
                },
                hint="Effects work with every style, offline too.",
            ),
            input_block(
                "transparent",
                "Background",
                {
                    "type": "checkboxes",
                    "action_id": "value",
                    "options": [plain_option("yes", "Transparent")],
                    "initial_options": [plain_option("yes", "Transparent")],
                },
                optional=True,
            ),
            input_block(
                "options",
                "How many options",
                {
                    "type": "static_select",
                    "action_id": "value",
                    "options": [plain_option(str(n), str(n)) for n in range(1, MAX_OPTIONS + 1)],
                    "initial_option": plain_option("1", "1"),
                },
            ),
            input_block(
                "share_to",
                "Share the result",
                {
                    "type": "radio_buttons",
                    "action_id": "value",
                    # From the Home tab there is no channel: only a DM can reach the member.
                    "options": [
                        *([plain_option("thread", here)] if channel_id else []),
                        plain_option("dm", "In a DM to me"),
                    ],
                    "initial_option": plain_option("thread", here)
                    if channel_id
                    else plain_option("dm", "In a DM to me"),
                },
            ),
        ],
    }


def _notes_block(notes: list[str]) -> list[dict[str, Any]]:
    """The pictures left out, and why: a context block (plain text, at most 10 elements)."""
    if not notes:
        return []
    shown = notes[:MAX_NOTES]
    if len(notes) > MAX_NOTES:
        shown[-1] = f"And {len(notes) - MAX_NOTES + 1} more pictures I cannot use."
    return [
        {
            "type": "context",
            "block_id": "source_notes",
            "elements": [{"type": "plain_text", "text": note[:300]} for note in shown],
        }
    ]


def _source_block(sources: list[dict[str, str]]) -> list[dict[str, Any]]:
    """ "Start from": nothing, or one of the offered pictures (the first picture by default)."""
    if not sources:
        return []
    nothing = plain_option(NO_SOURCE, "Nothing (describe it)")
    choices = [
        plain_option(
            str(index),
            (source["label"] if source["kind"] == "emoji" else f"Picture: {source['label']}")[:75],
        )
        for index, source in enumerate(sources)
    ]
    first_picture = next(
        (c for c, s in zip(choices, sources, strict=True) if s["kind"] == "file"), nothing
    )
    return [
        input_block(
            "source",
            "Start from",
            {
                "type": "static_select",
                "action_id": "value",
                "options": [nothing, *choices],
                "initial_option": first_picture,
            },
            hint="The description then says what to change; empty keeps the picture as it is.",
        )
    ]
