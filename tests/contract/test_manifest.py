"""Both manifests ask for the scopes the code uses, nothing more, and wire our callback ids; the
default one installs on every Slack plan (bot scopes only, no Grid-only setting); both are what
Slack's published manifest schema accepts (tests/specs)."""

from __future__ import annotations

import json
from typing import Any

import pytest
import yaml
from jsonschema import Draft7Validator

from emoji_smith.domain.slack_views import SHORTCUT_CALLBACK
from emoji_smith_local.template import PROJECT_ROOT
from fakes.block_kit import SPECS

MANIFESTS = {
    name: yaml.safe_load((PROJECT_ROOT / name).read_text())
    for name in ("manifest.yaml", "manifest.enterprise.yaml", "manifest.distribution.yaml")
}
DEFAULT = MANIFESTS["manifest.yaml"]
ENTERPRISE = MANIFESTS["manifest.enterprise.yaml"]
DISTRIBUTION = MANIFESTS["manifest.distribution.yaml"]
#: Distribution mode also hears of an uninstall (to forget the workspace's installation), and
#: of an org-wide install removed from workspaces of its org (to forget their data).
UNINSTALL_EVENTS = ["app_uninstalled", "tokens_revoked", "team_access_revoked"]
#: Scope → the Web API methods our adapters call that need it (kept honest by the tests below).
BOT_SCOPES_FOR_METHODS = {
    "commands": ["views.open"],
    "emoji:read": ["emoji.list"],
    "files:write": ["files.upload_v2"],
    "files:read": ["files.info"],
    "chat:write": ["chat.postMessage"],
    "im:write": ["conversations.open"],
    "reactions:write": ["reactions.add"],
    "users:read": ["users.info"],
    "channels:read": ["conversations.info"],
    "groups:read": ["conversations.info"],
    "im:read": ["conversations.info"],
    "mpim:read": ["conversations.info"],
    "channels:join": ["conversations.join"],
}
USER_SCOPES_FOR_METHODS = {"admin.teams:write": ["admin.emoji.add"]}
#: Settings Slack accepts only for an org-wide install on Enterprise Grid.
GRID_ONLY_SETTINGS = ("org_deploy_enabled",)
ADAPTERS = PROJECT_ROOT / "functions" / "emoji_smith" / "adapters"
#: The workflow calls Slack through slack_sdk; the webhook with its own small HTTP client.
SDK_SOURCE = (ADAPTERS / "slack_gateway.py").read_text()
WEBHOOK_SOURCE = (ADAPTERS / "slack_interactions.py").read_text()
#: The workflow fetches a starting picture with the standard library too.
PICTURES_SOURCE = (ADAPTERS / "slack_pictures.py").read_text()


def assert_called(scopes: dict[str, list[str]]) -> None:
    for scope, methods in scopes.items():
        for method in methods:
            called = (
                f".{method.replace('.', '_')}(" in SDK_SOURCE
                or f'_call("{method}"' in WEBHOOK_SOURCE
                or f'_api("{method}"' in PICTURES_SOURCE
            )
            assert called, f"{scope}: {method} is not called any more"


@pytest.mark.parametrize("manifest", list(MANIFESTS.values()), ids=list(MANIFESTS))
def test_the_shortcut_uses_our_callback_id(manifest: dict[str, Any]) -> None:
    (shortcut,) = manifest["features"]["shortcuts"]
    assert (shortcut["type"], shortcut["callback_id"]) == ("message", SHORTCUT_CALLBACK)
    assert len(shortcut["name"]) <= 24


@pytest.mark.parametrize("manifest", list(MANIFESTS.values()), ids=list(MANIFESTS))
def test_bot_scopes_are_exactly_what_the_adapter_calls(manifest: dict[str, Any]) -> None:
    assert set(manifest["oauth_config"]["scopes"]["bot"]) == set(BOT_SCOPES_FOR_METHODS)
    assert_called(BOT_SCOPES_FOR_METHODS)


def test_the_default_manifest_installs_on_any_plan() -> None:
    assert set(DEFAULT["oauth_config"]["scopes"]) == {"bot"}
    for setting in GRID_ONLY_SETTINGS:
        assert not DEFAULT["settings"].get(setting), setting


def test_the_enterprise_manifest_adds_only_the_admin_scope_the_adapter_calls() -> None:
    assert set(ENTERPRISE["oauth_config"]["scopes"]["user"]) == set(USER_SCOPES_FOR_METHODS)
    assert_called(USER_SCOPES_FOR_METHODS)
    assert ENTERPRISE["settings"]["org_deploy_enabled"] is True
    # everything else is the same app
    rest = {k: v for k, v in ENTERPRISE.items() if k not in ("oauth_config", "settings")}
    assert rest == {k: v for k, v in DEFAULT.items() if k not in ("oauth_config", "settings")}


@pytest.mark.parametrize("manifest", list(MANIFESTS.values()), ids=list(MANIFESTS))
def test_the_emoji_command_goes_to_the_same_request_url(manifest: dict[str, Any]) -> None:
    (command,) = manifest["features"]["slash_commands"]
    assert (command["command"], command["url"]) == ("/emoji", "REQUEST_URL")
    assert len(command["description"]) <= 100


@pytest.mark.parametrize("manifest", list(MANIFESTS.values()), ids=list(MANIFESTS))
def test_the_home_tab_is_on_and_its_event_comes_to_the_same_request_url(
    manifest: dict[str, Any],
) -> None:
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
    events = manifest["settings"]["event_subscriptions"]
    extra = UNINSTALL_EVENTS if manifest is DISTRIBUTION else []
    assert (events["request_url"], events["bot_events"]) == (
        "REQUEST_URL",
        ["app_home_opened", *extra],
    )


def test_the_distribution_manifest_is_the_default_app_with_a_redirect_and_rotation() -> None:
    from emoji_smith.domain.installations import BOT_SCOPES

    oauth = DISTRIBUTION["oauth_config"]
    assert oauth["redirect_urls"] == ["REDIRECT_URL"]
    assert oauth["scopes"] == DEFAULT["oauth_config"]["scopes"]
    # the install link asks for exactly these scopes
    assert list(BOT_SCOPES) == oauth["scopes"]["bot"]
    settings = DISTRIBUTION["settings"]
    assert settings["token_rotation_enabled"] is True
    # ... and, on Enterprise Grid, an org-wide install (each call names its workspace)
    assert settings["org_deploy_enabled"] is True
    own = ("token_rotation_enabled", "org_deploy_enabled")
    assert {k: v for k, v in settings.items() if k not in own} | {
        "event_subscriptions": DEFAULT["settings"]["event_subscriptions"]
    } == {k: v for k, v in DEFAULT["settings"].items() if k not in own}
    rest = {k: v for k, v in DISTRIBUTION.items() if k not in ("oauth_config", "settings")}
    assert rest == {k: v for k, v in DEFAULT.items() if k not in ("oauth_config", "settings")}


@pytest.mark.parametrize("manifest", list(MANIFESTS.values()), ids=list(MANIFESTS))
def test_interactivity_is_on_with_a_placeholder_url(manifest: dict[str, Any]) -> None:
    assert manifest["settings"]["interactivity"] == {
        "is_enabled": True,
        "request_url": "REQUEST_URL",
    }


#: slackapi/manifest-schema's schemas (draft-07). Our manifests set no `_metadata`, so Slack reads
#: them as major version 1; the 2.0.0 schema (platform apps) must accept them too.
MANIFEST_SCHEMAS = {
    version: Draft7Validator(
        json.loads((SPECS / f"slack-manifest.schema.{version}.json").read_text())
    )
    for version in ("1.0.0", "2.0.0")
}


def filled_in(manifest: dict[str, Any], url: str) -> Any:
    """The manifest as pasted into Slack: REQUEST_URL replaced by the stack's webhook URL (and
    REDIRECT_URL by its install redirect)."""
    redirect = json.dumps(url.replace("/slack/events", "/slack/oauth_redirect"))
    text = json.dumps(manifest).replace('"REQUEST_URL"', json.dumps(url))
    return json.loads(text.replace('"REDIRECT_URL"', redirect))


@pytest.mark.parametrize("version", list(MANIFEST_SCHEMAS))
@pytest.mark.parametrize("manifest", list(MANIFESTS), ids=list(MANIFESTS))
def test_the_manifest_is_valid_against_slacks_published_schema(manifest: str, version: str) -> None:
    # GIVEN the manifest with the request URL filled in, as the README has the user do
    url = "https://abc123.lambda-url.us-east-1.on.aws/slack/events"
    filled = filled_in(MANIFESTS[manifest], url)
    assert "REQUEST_URL" not in json.dumps(filled)
    # THEN Slack's schema finds nothing wrong
    problems = [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in MANIFEST_SCHEMAS[version].iter_errors(filled)
    ]
    assert problems == []


def test_the_schema_refuses_the_placeholder_and_an_unknown_setting() -> None:
    # The judge can fail: the placeholder is no URL, and a misspelt key is not ignored.
    schema = MANIFEST_SCHEMAS["1.0.0"]
    assert not schema.is_valid(DEFAULT)
    wrong = filled_in(DEFAULT, "https://example.test/slack/events")
    wrong["features"]["app_home"]["messages_tab_readonly"] = True
    assert not schema.is_valid(wrong)


@pytest.mark.parametrize("manifest", list(MANIFESTS.values()), ids=list(MANIFESTS))
def test_the_messages_tab_is_on_and_read_only(manifest: dict[str, Any]) -> None:
    # Results and notices go by DM: the member finds them again in the app's Messages tab, and
    # cannot write there (the app answers no messages).
    app_home = manifest["features"]["app_home"]
    assert app_home["messages_tab_enabled"] is True
    assert app_home["messages_tab_read_only_enabled"] is True
