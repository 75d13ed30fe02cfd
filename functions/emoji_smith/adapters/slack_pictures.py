"""The picture an emoji starts from, fetched for the workflow: a Slack file (its download URL
asked of `files.info`, with the bot token), a custom emoji (`emoji.list`, aliases followed), or a
picture the CLI put in the bucket. Downloads only from Slack's hosts (`domain.pictures`), follow
no redirect elsewhere, and stop reading past the size limit. Built for one workspace (`team`,
distribution mode), each call names it as `team_id` (an org-wide install's token acts in many:
"Using APIs with org-wide apps")."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlencode

from emoji_smith.domain.errors import ConfigurationError, InvalidRequest, SlackUnavailable
from emoji_smith.domain.models import Source
from emoji_smith.domain.pictures import (
    CANNOT_OPEN,
    INPUTS_PREFIX,
    MAX_PICTURE_BYTES,
    allowed_download,
    why_unusable,
)
from emoji_smith.ports import ImageStore

TIMEOUT_SECONDS = 20.0
#: Slack's answers meaning "the bot may not see this file".
NOT_VISIBLE = frozenset({"file_not_found", "file_deleted", "access_denied", "not_in_channel"})


class SlackPictures:
    def __init__(
        self, bot_token: str, api_base_url: str, store: ImageStore, team: str | None = None
    ) -> None:
        self._token = bot_token
        self._team = {"team_id": team} if team else {}
        self._base_url = api_base_url if api_base_url.endswith("/") else api_base_url + "/"
        self._store = store

    def fetch(self, source: Source) -> bytes:
        if source.kind != "upload" and not self._token:
            raise ConfigurationError(
                "SLACK_BOT_TOKEN is not set: pictures from Slack cannot be fetched."
            )
        if source.kind == "upload":
            if not source.id.startswith(INPUTS_PREFIX):
                raise InvalidRequest("An uploaded picture must be one of the job inputs.")
            return self._store.get(source.id)
        url = self._file_url(source.id) if source.kind == "file" else self._emoji_url(source.id)
        if not allowed_download(url, source.kind, self._base_url):
            raise InvalidRequest("That picture is not on Slack, so I won't download it.")
        return self._download(url, with_token=source.kind == "file")

    def _file_url(self, file_id: str) -> str:
        file = self._api("files.info", {"file": file_id}).get("file") or {}
        reason = why_unusable(file)  # said before downloading what would be refused
        if reason:
            raise InvalidRequest(f"{file.get('name') or file_id} {reason}.")
        if not str(file.get("mimetype", "")).startswith("image/"):
            raise InvalidRequest(f"{file.get('name') or file_id} is not a picture.")
        return str(file.get("url_private_download") or file.get("url_private") or "")

    def _emoji_url(self, name: str) -> str:
        emoji: dict[str, str] = self._api("emoji.list", {}).get("emoji") or {}
        url = emoji.get(name, "")
        for _ in range(3):  # "alias:other" points at another name
            if not url.startswith("alias:"):
                break
            url = emoji.get(url.removeprefix("alias:"), "")
        if not url:
            raise InvalidRequest(f":{name}: is not a custom emoji of this workspace.")
        return url

    def _api(self, method: str, params: dict[str, str]) -> dict[str, Any]:
        params = params | self._team
        request = urllib.request.Request(  # noqa: S310 (the configured Slack API base URL)
            f"{self._base_url}{method}" + (f"?{urlencode(params)}" if params else ""),
            headers={"Authorization": f"Bearer {self._token}"},
        )
        try:
            with _OPENER.open(request, timeout=TIMEOUT_SECONDS) as answer:
                body: dict[str, Any] = json.loads(answer.read())
        except (urllib.error.URLError, OSError, ValueError) as error:
            raise SlackUnavailable(f"Slack is unavailable ({method}: {error}).") from error
        if not body.get("ok"):
            code = str(body.get("error"))
            if code in NOT_VISIBLE:
                raise InvalidRequest(CANNOT_OPEN)
            if code == "ratelimited":
                raise SlackUnavailable(f"Slack is rate limiting {method}.")
            raise InvalidRequest(f"Slack refused {method}: {code}.")
        return body

    def _download(self, url: str, *, with_token: bool) -> bytes:
        headers = {"Authorization": f"Bearer {self._token}"} if with_token else {}
        try:
            with _OPENER.open(
                urllib.request.Request(url, headers=headers),  # noqa: S310 (checked: Slack's hosts)
                timeout=TIMEOUT_SECONDS,
            ) as answer:
                data: bytes = answer.read(MAX_PICTURE_BYTES + 1)
        except urllib.error.HTTPError as error:
            if error.code in (401, 403, 404):
                raise InvalidRequest(CANNOT_OPEN) from error
            if 300 <= error.code < 400:
                raise InvalidRequest(
                    "That picture moved off Slack, so I won't follow it."
                ) from error
            raise SlackUnavailable(f"Slack's file host answered {error.code}.") from error
        except (urllib.error.URLError, OSError) as error:
            raise SlackUnavailable(f"Cannot reach Slack's file host: {error}") from error
        if len(data) > MAX_PICTURE_BYTES:
            raise InvalidRequest("That picture is over 20 MB; I accept PNG, JPEG, GIF or WebP.")
        return data


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect could lead off Slack's hosts after the check: none is followed."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirects)
