"""manifest.yaml asks for the scopes the code uses, nothing more, and wires our callback ids."""

from __future__ import annotations

import yaml

from emoji_smith.domain.slack_views import SHORTCUT_CALLBACK
from emoji_smith_local.template import PROJECT_ROOT

MANIFEST = yaml.safe_load((PROJECT_ROOT / "manifest.yaml").read_text())
#: Bot scope → the Web API methods our adapters call that need it (kept honest by the test below).
SCOPES_FOR_METHODS = {
    "commands": ["views_open"],
    "emoji:read": ["emoji_list"],
    "files:write": ["files_upload_v2"],
    "chat:write": ["chat_postMessage"],
    "im:write": ["conversations_open"],
    "reactions:write": ["reactions_add"],
}


def test_the_shortcut_uses_our_callback_id() -> None:
    (shortcut,) = MANIFEST["features"]["shortcuts"]
    assert (shortcut["type"], shortcut["callback_id"]) == ("message", SHORTCUT_CALLBACK)
    assert len(shortcut["name"]) <= 24


def test_bot_scopes_are_exactly_what_the_adapter_calls() -> None:
    source = (
        PROJECT_ROOT / "functions" / "emoji_smith" / "adapters" / "slack_gateway.py"
    ).read_text()
    assert set(MANIFEST["oauth_config"]["scopes"]["bot"]) == set(SCOPES_FOR_METHODS)
    for scope, methods in SCOPES_FOR_METHODS.items():
        for method in methods:
            assert f".{method}(" in source, f"{scope}: {method} is not called any more"


def test_interactivity_is_on_with_a_placeholder_url() -> None:
    assert MANIFEST["settings"]["interactivity"] == {
        "is_enabled": True,
        "request_url": "REQUEST_URL",
    }
