"""Requests as Slack sends them: interaction payloads, form-encoded, signed with the secret."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from typing import Any
from urllib.parse import urlencode

SIGNING_SECRET = "test-signing-secret-0123456789abcdef"


def sign(body: bytes, timestamp: str, secret: str = SIGNING_SECRET) -> str:
    base = f"v0:{timestamp}:".encode() + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def function_url_event(
    body: bytes,
    content_type: str = "application/x-www-form-urlencoded",
    *,
    signed: bool = True,
    timestamp: float | None = None,
    secret: str = SIGNING_SECRET,
) -> dict[str, Any]:
    """A Lambda Function URL event (base64 body, as Function URLs deliver forms)."""
    sent_at = str(int(time.time() if timestamp is None else timestamp))
    headers = {"content-type": content_type, "x-slack-request-timestamp": sent_at}
    if signed:
        headers["x-slack-signature"] = sign(body, sent_at, secret)
    return {"headers": headers, "body": base64.b64encode(body).decode(), "isBase64Encoded": True}


def form(payload: dict[str, Any]) -> bytes:
    return urlencode({"payload": json.dumps(payload)}).encode()


def slash_command(command: str, text: str, user_id: str = "U1") -> bytes:
    """A slash command as Slack posts it: the fields themselves, form-encoded (no payload)."""
    return urlencode(
        {
            "token": "deprecated-verification-token",
            "team_id": "T1",
            "team_domain": "example",
            "channel_id": "C1",
            "channel_name": "general",
            "user_id": user_id,
            "user_name": "member",
            "command": command,
            "text": text,
            "api_app_id": "A1",
            "response_url": "https://hooks.slack.com/commands/T1/1/abc",
            "trigger_id": "13345.7890.cmd",
        }
    ).encode()


def shortcut(
    response_url: str,
    text: str = "We shipped v2! :tada:",
    files: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """A message shortcut's payload; `files` as Slack lists a message's files (id, name, ...)."""
    message: dict[str, Any] = {"type": "message", "ts": "1700000000.000100", "text": text}
    message |= {"user": "U2", **({"files": files} if files else {})}
    return {
        "type": "message_action",
        "callback_id": "create_emoji",
        "trigger_id": "13345.7890.abc",
        "team": {"id": "T1"},
        "user": {"id": "U1"},
        "channel": {"id": "C1"},
        "message": message,
        "response_url": response_url,
    }


def submission(view: dict[str, Any], view_id: str = "V1", **values: Any) -> dict[str, Any]:
    """A view_submission of `view` (the modal we opened) with the member's values."""
    state = {
        "description": {"value": {"type": "plain_text_input", "value": values.get("description")}},
        "name": {"value": {"type": "plain_text_input", "value": values.get("name")}},
        "style": {
            "value": {
                "type": "static_select",
                "selected_option": {"value": values.get("style", "badge")},
            }
        },
        "animation": {
            "value": {
                "type": "static_select",
                "selected_option": {"value": values.get("animation", "none")},
            }
        },
        "transparent": {
            "value": {
                "type": "checkboxes",
                "selected_options": [{"value": "yes"}] if values.get("transparent", True) else [],
            }
        },
        "options": {
            "value": {
                "type": "static_select",
                "selected_option": {"value": str(values.get("options", 1))},
            }
        },
        "share_to": {
            "value": {
                "type": "radio_buttons",
                "selected_option": {"value": values.get("share_to", "thread")},
            }
        },
    }
    # Slack sends every input block of the view: the optional "Start from" one only when shown.
    for block in view.get("blocks", []):
        if block.get("block_id") == "source":
            chosen = values.get("source", block["element"]["initial_option"]["value"])
            state["source"] = {
                "value": {"type": "static_select", "selected_option": {"value": chosen}}
            }
    return {
        "type": "view_submission",
        "team": {"id": "T1"},
        "user": {"id": "U1"},
        "view": {**view, "id": view_id, "team_id": "T1", "state": {"values": state}},
    }


def home_click(action_id: str, user: str = "U1", value: str | None = None) -> dict[str, Any]:
    """A button on the App Home tab (block_actions from a `home` view: no message, no channel,
    no response_url)."""
    action: dict[str, Any] = {"action_id": action_id, "type": "button", "block_id": "b1"}
    if value is not None:
        action["value"] = value
    return {
        "type": "block_actions",
        "team": {"id": "T1"},
        "user": {"id": user},
        "trigger_id": "13345.7890.home",
        "view": {"type": "home", "id": "VH1"},
        "actions": [action],
    }


def home_opened(user: str, event_id: str = "", retry: int = 0) -> dict[str, Any]:
    """The Events API's app_home_opened, signed like every request (a JSON body). Each open is a
    new event (`event_id`: Slack's, the same on a resend; `retry`: the resend's number)."""
    body = json.dumps(
        {
            "type": "event_callback",
            "team_id": "T1",
            "api_app_id": "A1",
            "event": {"type": "app_home_opened", "user": user, "channel": "D1", "tab": "home"},
            "event_id": event_id or f"Ev{uuid.uuid4().hex[:10].upper()}",
            "event_time": 1_800_000_000,
        }
    ).encode()
    event = function_url_event(body, "application/json")
    if retry:
        event["headers"] |= {
            "x-slack-retry-num": str(retry),
            "x-slack-retry-reason": "http_timeout",
        }
    return event


def settings_submission(view: dict[str, Any], user: str, **values: Any) -> dict[str, Any]:
    """The admin's settings form submitted (`view`: the form we opened), as Slack sends it:
    number inputs as strings, the channel as `selected_conversation`."""
    state = {
        "member_daily_images": {
            "value": {"type": "number_input", "value": str(values["member_daily_images"])}
        },
        "workspace_monthly_budget_usd": {
            "value": {"type": "number_input", "value": str(values["workspace_monthly_budget_usd"])}
        },
        "image_quality": {
            "value": {
                "type": "radio_buttons",
                "selected_option": {"value": values["image_quality"]},
            }
        },
        "styles": {
            "value": {
                "type": "checkboxes",
                "selected_options": [{"value": style} for style in values["styles"]],
            }
        },
        "announcement_channel": {
            "value": {
                "type": "conversations_select",
                "selected_conversation": values.get("announcement_channel"),
            }
        },
    }
    return {
        "type": "view_submission",
        "team": {"id": "T1"},
        "user": {"id": user},
        "view": {**view, "id": "VS1", "team_id": "T1", "state": {"values": state}},
    }
