"""Distribution mode: the install link, Slack's redirect back, each workspace's bot token (a
rotating one refreshed once, before use, by whichever function needs it first), and uninstall.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from emoji_smith.domain import install_pages
from emoji_smith.domain.errors import EmojiSmithError, NotInstalled, SlackUnavailable
from emoji_smith.domain.installations import (
    REFRESH_LEASE_SECONDS,
    REFRESH_WAIT_SECONDS,
    Installation,
    link_team,
)
from emoji_smith.ports import InstallationStore, OAuthStateStore, SlackOAuth

logger = logging.getLogger("emoji_smith.installing")

_POLL_SECONDS = 0.1


@dataclass(frozen=True)
class Page:
    status: int
    html: str
    #: The install page's state, to keep in the browser too (a cookie): the redirect must come
    #: back to the browser that started the install.
    state: str = ""


def install_page(oauth: SlackOAuth, states: OAuthStateStore, now: int, team: str = "") -> Page:
    """The Add to Slack page; its link carries a new state (`team`: for that workspace only)."""
    team = link_team(team)
    state = states.issue(now, team)
    return Page(200, install_pages.install_page(oauth.authorize_url(state, team)), state)


def finish_install(
    query: Mapping[str, str],
    oauth: SlackOAuth,
    states: OAuthStateStore,
    installations: InstallationStore,
    now: int,
    *,
    browser_state: str,
) -> Page:
    """Slack's redirect after the authorize page: `code` and `state`, or `error`.
    `browser_state`: the state the install page left in this browser (its cookie)."""
    if query.get("error"):
        why = (
            "You cancelled the install in Slack."
            if query["error"] == "access_denied"
            else f"Slack did not authorize the install ({query['error']})."
        )
        return _failed(400, why)
    if not browser_state or browser_state != query.get("state"):
        return _failed(400, "This install was started in another browser (or its cookie is gone).")
    wanted = states.consume(query.get("state", ""), now)
    if wanted is None:
        return _failed(400, "This install link has expired (after 10 minutes) or was used.")
    if not query.get("code"):
        return _failed(400, "Slack sent no authorization code.")
    try:
        installation = oauth.exchange(query["code"], now)
    except EmojiSmithError as error:
        return _failed(502 if isinstance(error, SlackUnavailable) else 400, str(error))
    got = installation.team_id or installation.enterprise_id or ""
    if wanted and got != wanted:
        return _failed(
            403, f"This link was for workspace {wanted}, but the app was installed in {got}."
        )
    installations.save(installation)
    logger.info("Installed in %s (by %s)", got, installation.installer_user_id)
    return Page(200, install_pages.installed_page(got, installation.is_enterprise_install))


def _failed(status: int, why: str) -> Page:
    logger.warning("Install failed: %s", why)
    return Page(status, install_pages.failed_page(why))


def bot_token(
    installations: InstallationStore,
    oauth: Callable[[], SlackOAuth],
    team_id: str,
    enterprise_id: str | None = None,
    *,
    clock: Callable[[], float],
    sleep: Callable[[float], None],
    wait_seconds: float = REFRESH_WAIT_SECONDS,
) -> str:
    """The workspace's bot token. One due for refresh (within 2 h of expiring) is refreshed
    by the one caller that claims it; the others use the old token while it still works, or
    wait `wait_seconds` for the new one. `oauth` is asked for only to refresh (it loads
    slack_sdk: a cold shortcut must not)."""
    waited = 0.0
    while True:
        found = installations.find(team_id, enterprise_id)
        if found is None:
            raise NotInstalled(f"Emoji Smith is not installed in workspace {team_id}.")
        now = int(clock())
        if not found.expiring(now):
            return found.bot_token
        if installations.claim_refresh(found, now, REFRESH_LEASE_SECONDS):
            return _refresh(installations, oauth(), found, now)
        if not found.expired(now):
            return found.bot_token
        if waited >= wait_seconds:
            raise SlackUnavailable(f"The token of workspace {team_id} is still being refreshed.")
        sleep(_POLL_SECONDS)
        waited += _POLL_SECONDS


def _refresh(
    installations: InstallationStore, oauth: SlackOAuth, found: Installation, now: int
) -> str:
    new = oauth.refresh(found, now)
    if not installations.save_refreshed(found, new):
        # Uninstalled while refreshing (a claim keeps any other refresh out).
        raise NotInstalled(f"Emoji Smith was uninstalled from {found.team_id}.")
    logger.info("Refreshed the bot token of %s", found.team_id or found.enterprise_id)
    return new.bot_token


def uninstall(installations: InstallationStore, team_id: str, enterprise_id: str | None) -> bool:
    """Forget the installation (the app was removed or its bot token revoked): the team's, or
    with no team its Grid org's org-wide one. Nothing of the workspace (every workspace of the
    org) can reach Slack after. Whether there was one."""
    if not (team_id or enterprise_id):
        logger.warning("Ignored an uninstall naming neither a workspace nor an org")
        return False
    removed = installations.delete(team_id or None, None if team_id else enterprise_id)
    logger.info("Uninstalled from %s: %s", team_id or enterprise_id, removed)
    return removed
