"""A submitted Create emoji modal → the request it asks for, and inline errors by block. The
request rules are `validation.request_problems` (the same the workflow's Validate applies); this
adds only what Slack knows: a name already taken, where to share, the offered pictures."""

from __future__ import annotations

import json
from collections.abc import Set as AbstractSet
from typing import Any

from emoji_smith.domain.naming import execution_name, normalize_name, with_suffix
from emoji_smith.domain.slack_requests import MalformedPayload
from emoji_smith.domain.slack_views import NO_ANIMATION, NO_SOURCE, SHARE_TO
from emoji_smith.domain.styles import OFFLINE_STYLE
from emoji_smith.domain.validation import clean_text, request_problems


def read_submission(
    view: dict[str, Any], team_id: str, user_id: str, taken_names: AbstractSet[str]
) -> tuple[dict[str, Any], dict[str, str]]:
    """The request a submission asks for, and inline errors by block id (empty when valid)."""
    values = _object(_object(view.get("state")).get("values"))

    def field(block: str) -> dict[str, Any]:
        return _object(_object(values.get(block)).get("value"))

    def selected(block: str, default: str) -> str:
        return str(_object(field(block).get("selected_option")).get("value", default))

    try:
        metadata = json.loads(view.get("private_metadata") or "{}")
    except (TypeError, ValueError):
        raise MalformedPayload("private_metadata is not JSON") from None
    if not isinstance(metadata, dict):
        raise MalformedPayload("private_metadata is not an object")
    description = clean_text(str(field("description").get("value") or ""))
    raw_name = normalize_name(str(field("name").get("value") or ""))
    style = selected("style", OFFLINE_STYLE)
    share_to = selected("share_to", "thread")
    animation = selected("animation", NO_ANIMATION)
    animation = "" if animation == NO_ANIMATION else animation
    source, source_error = _chosen_source(selected("source", NO_SOURCE), metadata)
    transparent = bool(field("transparent").get("selected_options"))
    try:
        options = int(selected("options", "1"))
    except ValueError:
        options = 0

    message_text = clean_text(str(metadata.get("message_text", "")))
    name, errors = request_problems(
        description,
        message_text,
        raw_name,
        style,
        options,
        animation=animation,
        picture=source["label"] if source else "",
    )
    if source_error:
        errors["source"] = source_error
    if share_to not in SHARE_TO:
        errors["share_to"] = "Choose where to share it: the thread or a DM."
    if "name" not in errors and name in taken_names:
        errors["name"] = f":{name}: is taken in this workspace. Try {free_name(name, taken_names)}."
    request = {
        "team_id": team_id,
        "user_id": user_id,
        "channel_id": metadata.get("channel_id"),
        "message_ts": metadata.get("message_ts"),
        "message_text": metadata.get("message_text", ""),
        "description": description,
        "name": name,
        "style": style,
        "transparent": transparent,
        "options": options,
        "share_to": share_to,
        "response_url": metadata.get("response_url"),
        "animation": animation,
        "source": source,
    }
    return request, errors


def _chosen_source(value: str, metadata: dict[str, Any]) -> tuple[dict[str, str] | None, str]:
    """The offered source the member chose (by its index), or why the choice is not one."""
    if value == NO_SOURCE:
        return None, ""
    offered = metadata.get("sources")
    offered = offered if isinstance(offered, list) else []
    if not (
        value.isdigit() and int(value) < len(offered) and isinstance(offered[int(value)], dict)
    ):
        return None, "Choose one of the offered pictures, or nothing."
    chosen = offered[int(value)]
    return {key: str(chosen.get(key, "")) for key in ("kind", "id", "label")}, ""


def _object(value: object) -> dict[str, Any]:
    """A payload part that should be an object; anything else reads as empty."""
    return value if isinstance(value, dict) else {}


def free_name(name: str, taken: AbstractSet[str]) -> str:
    attempt = 2
    while with_suffix(name, attempt) in taken:
        attempt += 1
    return with_suffix(name, attempt)


def submission_execution_name(team_id: str, view_id: str) -> str:
    """Deterministic per submission: Slack's redelivery of the same view starts nothing new."""
    return execution_name(team_id, view_id)
