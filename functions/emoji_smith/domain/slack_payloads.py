"""The Slack requests the webhook answers, parsed once at the edge (after the signature check)
into frozen dataclasses; a field of the wrong shape is `MalformedPayload` (a 400), so the use
cases never meet a raw dict's surprises. Plain dataclasses, not pydantic: the shortcut's cold
start loads neither. What a view's inputs mean is read later (`slack_submissions`,
`home_view.read_settings_form`): here only the envelope."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from emoji_smith.domain.slack_requests import MalformedPayload


@dataclass(frozen=True)
class MessageShortcut:
    """`message_action`: Create emoji on a message."""

    callback_id: str
    trigger_id: str
    team: str
    user: str
    channel: str
    response_url: str | None
    message: dict[str, Any] = field(default_factory=dict)
    #: The Enterprise Grid org ("": none), for an org-wide install's token.
    enterprise: str = ""


@dataclass(frozen=True)
class SlashCommand:
    """`/emoji [text]`: the form fields themselves."""

    command: str
    text: str
    trigger_id: str
    team: str
    user: str
    channel: str
    response_url: str | None
    enterprise: str = ""


@dataclass(frozen=True)
class ViewSubmission:
    """A modal submitted: the create form or the admin's settings form (by `callback_id`)."""

    callback_id: str
    view_id: str
    team: str
    user: str
    view: dict[str, Any]
    enterprise: str = ""


@dataclass(frozen=True)
class BlockAction:
    """A button: on a candidates message, or on the Home tab. `action` is the first action
    (None: there was none)."""

    team: str
    user: str
    trigger_id: str
    response_url: str | None
    action: dict[str, Any] | None
    enterprise: str = ""

    @property
    def action_id(self) -> str:
        return str((self.action or {}).get("action_id") or "")

    @property
    def value(self) -> str:
        return str((self.action or {}).get("value") or "")


@dataclass(frozen=True)
class OtherInteraction:
    """An interaction the app does not act on (answered with an empty 200)."""

    kind: str


Interaction = MessageShortcut | ViewSubmission | BlockAction | OtherInteraction


@dataclass(frozen=True)
class HomeOpened:
    """Events API `app_home_opened` on the Home tab."""

    team: str
    user: str
    #: Slack's id of the event, the same on each resend: the Home is published once per id.
    event_id: str = ""
    enterprise: str = ""


@dataclass(frozen=True)
class AppGone:
    """Events API `app_uninstalled`, or `tokens_revoked` naming a bot token: the app can no
    longer act in the workspace, and its data there is deleted. (Only members' own tokens
    revoked is an `OtherEvent`: the app is still installed.)

    `org_wide`: the Grid org's org-wide install is gone (the event's `authorizations[0]` says
    `is_enterprise_install`, as bolt reads it); then `team` is a workspace of the org, or empty
    (Slack may name none). A per-workspace install inside a Grid org carries the org too, and is
    not org-wide: only that workspace's install is gone."""

    team: str
    reason: str
    enterprise: str = ""
    org_wide: bool = False

    @property
    def installation(self) -> tuple[str, str | None]:
        """The (team, org) of the installation that is gone: the org's, or the team's."""
        return ("", self.enterprise) if self.org_wide else (self.team, None)


@dataclass(frozen=True)
class WorkspacesRevoked:
    """Events API `team_access_revoked`: an org-wide install was removed from these workspaces
    of its Grid org (Slack's `team_ids`). The org's install still serves its other workspaces;
    these lose the app, so their data is deleted as an uninstall's."""

    teams: tuple[str, ...]
    enterprise: str = ""


@dataclass(frozen=True)
class OtherEvent:
    """Any other event (answered with an empty 200)."""

    kind: str


def _object(value: object, what: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise MalformedPayload(f"{what} is not an object")
    return value


def _text(value: object, what: str) -> str:
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        raise MalformedPayload(f"{what} is not text")
    return str(value)


def _url(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _id_of(payload: Mapping[str, Any], key: str) -> str:
    """`{"team": {"id": ...}}`, Slack's usual shape."""
    return _text(_object(payload.get(key), key).get("id"), f"{key}.id")


def _enterprise_install(envelope: Mapping[str, Any]) -> bool:
    """Whether an event is for an org-wide install: `authorizations[0].is_enterprise_install`
    (the Events API's "installation the event applies to"), else the envelope's own flag."""
    authorizations = envelope.get("authorizations")
    first = authorizations[0] if isinstance(authorizations, list) and authorizations else None
    flag = (first if isinstance(first, dict) else envelope).get("is_enterprise_install")
    return flag is True or flag == "true"


def parse_interaction(payload: dict[str, Any]) -> Interaction:
    """An interactivity payload (the form's `payload` field, already JSON)."""
    kind = _text(payload.get("type"), "type")
    # An org-wide install's interactions may carry `team: null`: the member's workspace is then
    # `user.team_id` (as bolt reads it), still Slack's signed word.
    member = _object(payload.get("user"), "user")
    team = (
        _id_of(payload, "team")
        or _text(payload.get("team_id"), "team_id")
        or _text(member.get("team_id"), "user.team_id")
    )
    user = _id_of(payload, "user")
    enterprise = _id_of(payload, "enterprise") or _text(
        payload.get("enterprise_id"), "enterprise_id"
    )
    if kind == "message_action":
        return MessageShortcut(
            callback_id=_text(payload.get("callback_id"), "callback_id"),
            trigger_id=_text(payload.get("trigger_id"), "trigger_id"),
            team=team,
            user=user,
            channel=_id_of(payload, "channel"),
            response_url=_url(payload.get("response_url")),
            message=_object(payload.get("message"), "message"),
            enterprise=enterprise,
        )
    if kind == "block_actions":
        actions = payload.get("actions") or []
        if not isinstance(actions, list):
            raise MalformedPayload("actions is not a list")
        first = actions[0] if actions and isinstance(actions[0], dict) else None
        return BlockAction(
            team=team,
            user=user,
            trigger_id=_text(payload.get("trigger_id"), "trigger_id"),
            response_url=_url(payload.get("response_url")),
            action=first,
            enterprise=enterprise,
        )
    view = _object(payload.get("view"), "view")
    if kind == "view_submission":
        return ViewSubmission(
            callback_id=_text(view.get("callback_id"), "view.callback_id"),
            view_id=_text(view.get("id"), "view.id"),
            team=team or _text(view.get("team_id"), "view.team_id"),
            user=user,
            view=view,
            enterprise=enterprise,
        )
    return OtherInteraction(kind)


def parse_command(fields: Mapping[str, str]) -> SlashCommand:
    """A slash command's form fields (each given once)."""
    return SlashCommand(
        command=fields.get("command", ""),
        text=fields.get("text", "").strip(),
        trigger_id=fields.get("trigger_id", ""),
        team=fields.get("team_id", ""),
        user=fields.get("user_id", ""),
        channel=fields.get("channel_id", ""),
        response_url=_url(fields.get("response_url")),
        enterprise=fields.get("enterprise_id", ""),
    )


Event = HomeOpened | AppGone | WorkspacesRevoked | OtherEvent


def parse_event(envelope: dict[str, Any]) -> Event:
    """An Events API `event_callback` envelope."""
    event = envelope.get("event")
    if not isinstance(event, dict):
        return OtherEvent("")
    kind = _text(event.get("type"), "event.type")
    enterprise = _text(envelope.get("enterprise_id"), "enterprise_id")
    if kind == "app_uninstalled" or (
        kind == "tokens_revoked" and _object(event.get("tokens"), "event.tokens").get("bot")
    ):
        return AppGone(
            team=_text(envelope.get("team_id"), "team_id"),
            reason=kind,
            enterprise=enterprise,
            org_wide=bool(enterprise) and _enterprise_install(envelope),
        )
    if kind == "team_access_revoked":
        teams = event.get("team_ids") or []
        if not isinstance(teams, list):
            raise MalformedPayload("event.team_ids is not a list")
        named = (_text(team, "event.team_ids[]") for team in teams)
        return WorkspacesRevoked(tuple(team for team in named if team), enterprise)
    if kind != "app_home_opened" or event.get("tab", "home") != "home":
        return OtherEvent(kind)
    return HomeOpened(
        team=_text(envelope.get("team_id"), "team_id"),
        user=_text(event.get("user"), "user"),
        event_id=_text(envelope.get("event_id"), "event_id"),
        enterprise=_text(envelope.get("enterprise_id"), "enterprise_id"),
    )
