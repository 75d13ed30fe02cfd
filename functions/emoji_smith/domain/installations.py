"""A workspace's installation of the app (distribution mode: one deployment, many workspaces).

An install is keyed by its team, or by its Enterprise Grid org for an org-wide install (then
every team of the org uses it). Tokens never appear in a repr, a log line or a state's input.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

#: The bot scopes an install asks for: manifest.distribution.yaml's (a contract test keeps them
#: the same).
BOT_SCOPES = (
    "commands",
    "emoji:read",
    "files:write",
    "files:read",
    "chat:write",
    "im:write",
    "reactions:write",
    "users:read",
    "channels:read",
    "groups:read",
    "im:read",
    "mpim:read",
    "channels:join",
)
#: A token expiring within this is refreshed before use (Slack's and slack_sdk's two hours).
REFRESH_BEFORE_SECONDS = 2 * 3600
#: An install link's `state` is good once, for this long.
STATE_SECONDS = 600
#: How long one function may hold the refresh of a workspace's token before another may try.
REFRESH_LEASE_SECONDS = 30
#: A function that finds another refreshing an already expired token waits this long for it;
#: the webhook less: Slack's trigger_id expires 3 s after the click, cold start included.
REFRESH_WAIT_SECONDS = 5.0
WEBHOOK_REFRESH_WAIT_SECONDS = 1.0
#: A workspace id as Slack writes it (an org's E... id cannot be the authorize page's `team`).
_WORKSPACE_ID = re.compile(r"T[A-Z0-9]+")


def link_team(asked: str) -> str:
    """The workspace an install link may be limited to: `asked` if it is a workspace id, else
    none. The value comes from anyone's query string, and slack_sdk appends it to the authorize
    URL unencoded (a `%26` in it would add parameters of the asker's choosing)."""
    return asked if _WORKSPACE_ID.fullmatch(asked) else ""


@dataclass(frozen=True)
class Installation:
    team_id: str | None  # None: an org-wide install
    enterprise_id: str | None
    bot_user_id: str
    bot_scopes: tuple[str, ...]
    installer_user_id: str
    installed_at: int
    app_id: str = ""
    bot_token: str = field(default="", repr=False)
    bot_refresh_token: str | None = field(default=None, repr=False)
    #: Unix seconds; None: a token that does not expire (no rotation).
    bot_token_expires_at: int | None = None

    @property
    def is_enterprise_install(self) -> bool:
        return self.team_id is None

    @property
    def key(self) -> str:
        return installation_key(self.team_id, self.enterprise_id if self.team_id is None else None)

    def expiring(self, now: float) -> bool:
        """Refresh before use: the token expires within `REFRESH_BEFORE_SECONDS`."""
        expires_at = self.bot_token_expires_at
        return expires_at is not None and expires_at - now <= REFRESH_BEFORE_SECONDS

    def expired(self, now: float) -> bool:
        return self.bot_token_expires_at is not None and self.bot_token_expires_at <= now

    def refreshed(self, token: str, refresh_token: str | None, expires_at: int) -> Installation:
        return replace(
            self, bot_token=token, bot_refresh_token=refresh_token, bot_token_expires_at=expires_at
        )


def installation_key(team_id: str | None, enterprise_id: str | None = None) -> str:
    """A team's install, or (no team) its org's org-wide install."""
    if team_id:
        return f"team:{team_id}"
    if enterprise_id:
        return f"enterprise:{enterprise_id}"
    raise ValueError("an installation needs a team or an enterprise")
