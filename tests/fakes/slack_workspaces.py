"""The fake Slack's workspaces and OAuth, as strict as Slack's (FakeSlack mixes this in).

Every token belongs to one team (the fake's own tokens to `DEFAULT_TEAM`); a method acting on
another team's file, channel, member or emoji answers as Slack does for something it cannot see.
`oauth.v2.access` (Slack's method reference and its errors): a code is single use, expires in 10
minutes and needs the `redirect_uri` sent to authorize (`invalid_code`, `bad_redirect_uri`); the
client is checked (`invalid_client_id`, `bad_client_secret`); with token rotation on, an access
token expires after 12 hours (`token_expired`) and a refresh token is single use
(`invalid_refresh_token`). An uninstalled workspace's tokens are revoked (`token_revoked`).

Enterprise Grid org-wide installs ("Using APIs with org-wide apps", Slack's API docs): the token
is the org's and can act in each workspace the app was added to (`grid_workspaces`), so "you now
need to specify which workspace a method should act on" with `team_id`. Slack names the methods
that require it (conversations.list, users.list, files.list...: "required if token belongs to
org-wide app", else `missing_argument`) and says an app may always pass it. This fake asks it of
every method an org token calls (auth.test aside): a call that would leave Slack to guess the
workspace is refused here with `missing_argument`, one naming a workspace the app was not added
to with `team_access_not_granted` ("The token used is not granted the specific workspace access
required to complete this request"). A workspace token's `team_id` is ignored, as Slack ignores
it ("ignored if the API call is sent using a workspace-level token"): it still acts only on its
own workspace.
"""

from __future__ import annotations

import base64
import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fakes.http_fake import Recorded

DEFAULT_TEAM = "T1"
#: Methods about the token itself: an org token calls them without naming a workspace.
TOKEN_METHODS = frozenset({"auth.test"})
CLIENT_ID = "1111.2222"
CLIENT_SECRET = "fake-client-secret"
APP_ID = "A0EMOJI"
CODE_SECONDS = 600
TOKEN_SECONDS = 43_200


@dataclass
class Token:
    team: str | None  # None: an org-wide (Enterprise Grid) install
    enterprise: str | None
    kind: str  # "bot" or "user" (xoxp: the admin methods)
    expires_at: float | None = None
    revoked: bool = False


@dataclass
class _Grant:
    team: str | None
    enterprise: str | None
    redirect_uri: str | None
    scopes: tuple[str, ...]
    user: str
    expires_at: float
    used: bool = False


class SlackWorkspaces:
    """Tokens, codes and which team owns what. The fake's lock serialises every call."""

    _team = DEFAULT_TEAM  # the team of the call being answered

    def _init_workspaces(self, default_tokens: dict[str, str]) -> None:
        """`default_tokens`: token → kind, all of `DEFAULT_TEAM` (the tests' one workspace)."""
        self._default_token_kinds = dict(default_tokens)
        self.client_id = CLIENT_ID
        self.client_secret = CLIENT_SECRET
        #: Issue rotating tokens (expiring, with a refresh token), as `token_rotation_enabled`.
        self.token_rotation = False
        self.token_seconds = TOKEN_SECONDS
        self.clock: Callable[[], float] = time.time
        self.tokens: dict[str, Token] = {}
        #: Which team each file, channel and member belongs to (unlisted: `DEFAULT_TEAM`).
        self.owners_team: dict[str, str] = {}
        #: Enterprise Grid members: one id, in several workspaces of the org.
        self.grid_members: dict[str, set[str]] = {}
        #: Grid workspaces an org-wide install was added to: team → its org.
        self.grid_workspaces: dict[str, str] = {}
        #: Emoji of teams other than the default one (whose are FakeSlack's `emoji`).
        self.team_emoji: dict[str, dict[str, str]] = {}
        self._codes: dict[str, _Grant] = {}
        self._refresh_tokens: dict[str, tuple[_Grant, bool]] = {}
        self._serial = itertools.count(1)
        self.tokens |= {
            token: Token(DEFAULT_TEAM, None, kind) for token, kind in default_tokens.items()
        }

    def _reset_workspaces(self) -> None:
        self._init_workspaces(self._default_token_kinds)

    # -- what a test does -------------------------------------------------------------------------
    def authorize(
        self,
        team: str | None,
        redirect_uri: str | None,
        scopes: tuple[str, ...] | list[str],
        *,
        enterprise: str | None = None,
        user: str = "U1",
    ) -> str:
        """What Slack's authorize page does when `user` clicks Allow: the code it redirects with.
        `team=None` with an `enterprise`: an org-wide install."""
        code = f"code-{next(self._serial)}"
        self._codes[code] = _Grant(
            team, enterprise, redirect_uri, tuple(scopes), user, self.clock() + CODE_SECONDS
        )
        return code

    def place(self, team: str, *things: str) -> None:
        """Files, channels and members that belong to `team`."""
        self.owners_team |= dict.fromkeys(things, team)

    def grid_member(self, user: str, *teams: str) -> None:
        """A member of an Enterprise Grid org, with the same id in each of these workspaces."""
        self.grid_members.setdefault(user, set()).update(teams)

    def grid_org(self, enterprise: str, *teams: str) -> None:
        """Workspaces of Grid org `enterprise` its org-wide install was added to."""
        self.grid_workspaces |= dict.fromkeys(teams, enterprise)

    def uninstall(self, team: str) -> None:
        """The app removed from a workspace: Slack revokes its tokens."""
        for token in self.tokens.values():
            if team in (token.team, token.enterprise):
                token.revoked = True

    def team_of(self, request: Recorded) -> str | None:
        """The workspace a recorded call acted in: its token's, or the one an org token named
        (None: no known token, or an org token naming none)."""
        found = self.tokens.get(_bearer(request))
        if found is None or found.team:
            return found.team if found else None
        params = request.json if isinstance(request.json, dict) else request.form
        return str(params.get("team_id") or "") or None

    # -- what the fake does -----------------------------------------------------------------------
    def oauth_v2_access(self, request: Recorded, params: dict[str, Any]) -> dict[str, Any]:
        """The whole answer, `ok` included."""
        client_id, client_secret = _client_credentials(request, params)
        if client_id != self.client_id:
            return {"ok": False, "error": "invalid_client_id"}
        if client_secret != self.client_secret:
            return {"ok": False, "error": "bad_client_secret"}
        grant_type = str(params.get("grant_type") or "authorization_code")
        if grant_type == "refresh_token":
            refresh = str(params.get("refresh_token") or "")
            found = self._refresh_tokens.get(refresh)
            if found is None or found[1] or self._revoked(found[0]):
                return {"ok": False, "error": "invalid_refresh_token"}
            self._refresh_tokens[refresh] = (found[0], True)
            return self._issue(found[0])
        if grant_type != "authorization_code":
            return {"ok": False, "error": "invalid_grant_type"}
        grant = self._codes.get(str(params.get("code") or ""))
        if grant is None or grant.used or grant.expires_at <= self.clock():
            return {"ok": False, "error": "invalid_code"}
        if grant.redirect_uri is not None and params.get("redirect_uri") != grant.redirect_uri:
            return {"ok": False, "error": "bad_redirect_uri"}
        grant.used = True
        return self._issue(grant)

    def token_problem(self, request: Recorded, admin: bool = False) -> str | None:
        """Slack's error for a call whose token is missing, unknown, revoked or expired."""
        token = self.tokens.get(_bearer(request))
        if token is None:
            return "invalid_auth" if _bearer(request) else "not_authed"
        if token.revoked:
            return "token_revoked"
        if token.expires_at is not None and token.expires_at <= self.clock():
            return "token_expired"
        if token.kind != ("user" if admin else "bot"):
            return "not_allowed_token_type"
        return None

    def team_problem(self, request: Recorded, method: str, params: dict[str, Any]) -> str | None:
        """Slack's error for an org token that names no workspace, or one it was not added to
        (a workspace token's `team_id` is ignored: never a problem)."""
        token = self.tokens.get(_bearer(request))
        if token is None or token.team is not None or method in TOKEN_METHODS:
            return None
        named = str(params.get("team_id") or "")
        if not named:
            return "missing_argument"
        if self.grid_workspaces.get(named) != token.enterprise:
            return "team_access_not_granted"
        return None

    def acting_team(self, request: Recorded, params: dict[str, Any] | None = None) -> str:
        """The workspace a call acts in: its token's (a `team_id` ignored), or for an org token
        the one it names (checked by `team_problem`; naming none: the org itself)."""
        token = self.tokens.get(_bearer(request))
        if token is None:
            return DEFAULT_TEAM
        if token.team:
            return token.team
        return str((params or {}).get("team_id") or "") or token.enterprise or DEFAULT_TEAM

    def download_team(self, request: Recorded, team: str) -> str | None:
        """The workspace a file download (`url_private_download`, whose path names the file's
        workspace) acts in with its token: a workspace token's own; an org token's, that
        workspace if the app was added to it (None: not)."""
        token = self.tokens.get(_bearer(request))
        if token is None or token.team is not None:
            return self.acting_team(request)
        return team if self.grid_workspaces.get(team) == token.enterprise else None

    def visible(self, thing: str, team: str | None = None) -> bool:
        """A file, channel or member the team (default: the call's) can see."""
        team = team or self._team
        return self.owners_team.get(thing, DEFAULT_TEAM) == team or team in self.grid_members.get(
            thing.removeprefix("D"), ()
        )

    def emoji_of(self, default: dict[str, str]) -> dict[str, str]:
        """The call's team's emoji (`default`: the default team's)."""
        return default if self._team == DEFAULT_TEAM else self.team_emoji.setdefault(self._team, {})

    def _auth_test(self, params: dict[str, Any]) -> dict[str, Any]:
        team = self._team
        org_wide = not team.startswith("T")  # an org token acts as its org here
        return {
            "url": f"https://{team.lower()}.slack.test/",
            "team": f"Team {team}",
            "team_id": team,
            "user_id": f"UB{team}",
            "bot_id": f"B{team}",
            "is_enterprise_install": org_wide,
            **({"enterprise_id": team} if org_wide else {}),
        }

    def _revoked(self, grant: _Grant) -> bool:
        where = grant.team or grant.enterprise
        return any(t.revoked for t in self.tokens.values() if where in (t.team, t.enterprise))

    def _issue(self, grant: _Grant) -> dict[str, Any]:
        """A new bot token for the grant's workspace: each workspace, each exchange its own."""
        serial = next(self._serial)
        where = grant.team or grant.enterprise
        token = f"xoxb-{where}-{serial}"
        expires_at = self.clock() + self.token_seconds if self.token_rotation else None
        self.tokens[token] = Token(grant.team, grant.enterprise, "bot", expires_at)
        answer: dict[str, Any] = {
            "ok": True,
            "access_token": token,
            "token_type": "bot",
            "scope": ",".join(grant.scopes),
            "bot_user_id": f"UB{where}",
            "app_id": APP_ID,
            "team": {"id": grant.team, "name": f"Team {grant.team}"} if grant.team else None,
            "enterprise": (
                {"id": grant.enterprise, "name": f"Org {grant.enterprise}"}
                if grant.enterprise
                else None
            ),
            "authed_user": {"id": grant.user},
            "is_enterprise_install": grant.team is None,
        }
        if self.token_rotation:
            refresh = f"xoxe-1-{where}-{serial}"
            self._refresh_tokens[refresh] = (grant, False)
            answer |= {"refresh_token": refresh, "expires_in": self.token_seconds}
        return answer


def _bearer(request: Recorded) -> str:
    return request.headers.get("authorization", "").removeprefix("Bearer ")


def _client_credentials(request: Recorded, params: dict[str, Any]) -> tuple[str, str]:
    """HTTP Basic (as slack_sdk sends them), or client_id and client_secret in the form."""
    header = request.headers.get("authorization", "")
    if header.startswith("Basic "):
        decoded = base64.b64decode(header.removeprefix("Basic ")).decode()
        client_id, _, client_secret = decoded.partition(":")
        return client_id, client_secret
    return str(params.get("client_id") or ""), str(params.get("client_secret") or "")
