"""Slack's OAuth v2 through slack_sdk's pieces: `AuthorizeUrlGenerator` for the install link,
`oauth.v2.access` for the code, `TokenRotator` for a rotating token's refresh. Used only on the
install routes and when a token is due for refresh, so the webhook's shortcut never imports it.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from urllib.parse import urlsplit

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackTokenRotationError
from slack_sdk.oauth import AuthorizeUrlGenerator
from slack_sdk.oauth.installation_store import Bot
from slack_sdk.oauth.token_rotation import TokenRotator

from emoji_smith.adapters.slack_errors import slack_error
from emoji_smith.domain.errors import SlackRejected
from emoji_smith.domain.installations import REFRESH_BEFORE_SECONDS, Installation

TIMEOUT_SECONDS = 5
#: slack_sdk logs each request's form and each answer at DEBUG (codes, client secret, tokens):
#: this client's logger never goes below INFO, whatever the function's log level.
_QUIET = logging.getLogger("emoji_smith.slack_oauth.sdk")
_QUIET.setLevel(logging.INFO)


class SlackOAuthClient:
    def __init__(
        self,
        client_id: str,
        client_secret: str,
        redirect_uri: str,
        scopes: Sequence[str],
        api_base_url: str,
    ) -> None:
        self._client = WebClient(base_url=api_base_url, timeout=TIMEOUT_SECONDS, logger=_QUIET)
        self._client_id = client_id
        self._client_secret = client_secret
        self._redirect_uri = redirect_uri
        # Slack's authorize page is on the host the API is (a fake's in tests).
        parts = urlsplit(api_base_url)
        self._urls = AuthorizeUrlGenerator(
            client_id=client_id,
            redirect_uri=redirect_uri,
            scopes=list(scopes),
            authorization_url=f"{parts.scheme}://{parts.netloc}/oauth/v2/authorize",
        )
        self._rotator = TokenRotator(
            client_id=client_id, client_secret=client_secret, client=self._client
        )

    def authorize_url(self, state: str, team: str = "") -> str:
        return self._urls.generate(state, team=team or None)

    def exchange(self, code: str, now: int) -> Installation:
        try:
            answer = self._client.oauth_v2_access(
                client_id=self._client_id,
                client_secret=self._client_secret,
                code=code,
                redirect_uri=self._redirect_uri,
            )
        except SlackApiError as error:
            raise _refused("oauth.v2.access", error) from None
        team = answer.get("team") or {}
        enterprise = answer.get("enterprise") or {}
        expires_in = answer.get("expires_in")
        return Installation(
            team_id=None if answer.get("is_enterprise_install") else team.get("id"),
            enterprise_id=enterprise.get("id"),
            bot_user_id=str(answer.get("bot_user_id") or ""),
            bot_scopes=tuple(s for s in str(answer.get("scope") or "").split(",") if s),
            installer_user_id=str((answer.get("authed_user") or {}).get("id") or ""),
            installed_at=now,
            app_id=str(answer.get("app_id") or ""),
            bot_token=str(answer["access_token"]),
            bot_refresh_token=answer.get("refresh_token"),
            bot_token_expires_at=now + int(expires_in) if expires_in else None,
        )

    def refresh(self, installation: Installation, now: int) -> Installation:
        bot = Bot(
            app_id=installation.app_id,
            enterprise_id=installation.enterprise_id,
            team_id=installation.team_id,
            bot_token=installation.bot_token,
            bot_refresh_token=installation.bot_refresh_token,
            bot_token_expires_at=installation.bot_token_expires_at,
            bot_id="",
            bot_user_id=installation.bot_user_id,
            installed_at=float(installation.installed_at),
        )
        try:
            # Always due: the caller decided (on its clock) and claimed the refresh.
            rotated = self._rotator.perform_bot_token_rotation(
                bot=bot, minutes_before_expiration=10 * REFRESH_BEFORE_SECONDS
            )
        except SlackTokenRotationError as error:
            raise _refused("oauth.v2.access", error.api_error) from None
        if rotated is None or not rotated.bot_token:
            raise SlackRejected("Slack gave no bot token when refreshing it.")
        return installation.refreshed(
            rotated.bot_token,
            rotated.bot_refresh_token,
            int(rotated.bot_token_expires_at or now),
        )


def _refused(method: str, error: SlackApiError) -> Exception:
    """SlackRejected naming Slack's error (or SlackUnavailable: worth trying again)."""
    return slack_error(method, error.response.status_code, str(error.response.get("error") or ""))
