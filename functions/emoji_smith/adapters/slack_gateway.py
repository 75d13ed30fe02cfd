"""Slack itself, through the real `slack_sdk` clients: the emoji added to the workspace (admin
token, Enterprise Grid) or shared in the thread / a DM, and the member kept informed.

Slack's 429s are retried by the client (RateLimitErrorRetryHandler); what is left becomes
SlackUnavailable (the ASL retries it) or SlackRejected (not retried; an admin must act). The
webhook does not use this module: see `slack_interactions`.
"""

from __future__ import annotations

from typing import Any, NoReturn
from urllib.error import URLError
from urllib.parse import urlsplit

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackRequestError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
)
from slack_sdk.webhook import WebhookClient

from emoji_smith.adapters.slack_errors import slack_error
from emoji_smith.domain.choices import Candidate, candidates_message
from emoji_smith.domain.errors import SlackUnavailable
from emoji_smith.domain.messages import escape, how_to_add
from emoji_smith.domain.models import Delivery, EmojiRequest
from emoji_smith.domain.naming import with_suffix

SLACK_HOOKS = "https://hooks.slack.com/"
NAME_ATTEMPTS = 3
#: Slack's answers to a share where the bot is not (a public channel; a private one it left).
LEFT_THE_CONVERSATION = ("not_in_channel", "channel_not_found")
NOT_IN_THE_CONVERSATION = (
    "(Emoji Smith is not in the conversation you asked from, so it is here instead.)"
)


def web_client(token: str, base_url: str, team: str | None = None) -> WebClient:
    """Retries connection errors and 429s (sleeping Retry-After): the workflow can wait.
    `team`: the workspace every call names (`team_id`, slack_sdk's default parameter "for
    Org-Wide App installation"): an org-wide install's token acts in many workspaces of its Grid
    org, and Slack needs each call to say which ("Using APIs with org-wide apps")."""
    return WebClient(
        token=token,
        base_url=base_url,
        team_id=team,
        timeout=10,
        retry_handlers=[
            ConnectionErrorRetryHandler(),
            RateLimitErrorRetryHandler(max_retry_count=2),
        ],
    )


def raise_domain_error(method: str, error: Exception) -> NoReturn:
    """Slack's answer as SlackUnavailable (worth retrying) or SlackRejected (not)."""
    if isinstance(error, SlackApiError):
        status = error.response.status_code
        data = error.response.data if isinstance(error.response.data, dict) else {}
        raise slack_error(method, status, str(data.get("error", f"HTTP {status}"))) from error
    raise SlackUnavailable(f"Cannot reach Slack ({method}): {error}") from error


class SlackWebGateway:
    def __init__(self, bot: WebClient, admin: WebClient | None, api_base_url: str) -> None:
        self._bot = bot
        self._admin = admin
        self._api_origin = "{0.scheme}://{0.netloc}/".format(urlsplit(api_base_url))

    # -- delivery ---------------------------------------------------------------------------------
    def deliver_emoji(
        self, job_id: str, request: EmojiRequest, image: bytes, filename: str, image_url: str
    ) -> Delivery:
        if self._admin is not None:
            return self._add_to_workspace(request, image_url)
        return self._share_file(request, image, filename)

    def _add_to_workspace(self, request: EmojiRequest, image_url: str) -> Delivery:
        assert self._admin is not None
        name = request.name
        for attempt in range(1, NAME_ATTEMPTS + 1):
            name = request.name if attempt == 1 else with_suffix(request.name, attempt)
            try:
                self._admin.admin_emoji_add(name=name, url=image_url)
                break
            except SlackApiError as error:
                if error.response.get("error") == "error_name_taken" and attempt < NAME_ATTEMPTS:
                    continue
                raise_domain_error("admin.emoji.add", error)
            except (SlackRequestError, URLError, OSError) as error:
                raise_domain_error("admin.emoji.add", error)
        if request.channel_id and request.message_ts:
            try:
                self._bot.reactions_add(
                    channel=request.channel_id, timestamp=request.message_ts, name=name
                )
            except SlackApiError as error:
                if error.response.get("error") not in ("already_reacted", "not_in_channel"):
                    raise_domain_error("reactions.add", error)
        renamed = f" (`{request.name}` was taken)" if name != request.name else ""
        return Delivery(method="admin_emoji", emoji_name=name, location=f":{name}:{renamed}")

    def _share_file(self, request: EmojiRequest, image: bytes, filename: str) -> Delivery:
        """In the thread when asked; by DM when not, or when the bot is no longer in the
        conversation (removed since the submission checked): the emoji is billed, it is sent."""
        comment = f"Here is `{escape(request.name)}`. {how_to_add(request.name)}"
        if request.share_to == "thread" and request.channel_id:
            try:
                return self._upload(request, image, filename, comment, in_thread=True)
            except SlackApiError as error:
                if error.response.get("error") not in LEFT_THE_CONVERSATION:
                    raise_domain_error("files_upload_v2", error)
            comment = f"{comment} {NOT_IN_THE_CONVERSATION}"
        return self._upload(request, image, filename, comment, in_thread=False)

    def _upload(
        self, request: EmojiRequest, image: bytes, filename: str, comment: str, *, in_thread: bool
    ) -> Delivery:
        """Raises SlackApiError as is in the thread (the caller decides), a domain error else."""
        try:
            channel = request.channel_id if in_thread else self._dm_channel(request.user_id)
            response = self._bot.files_upload_v2(
                channel=channel,
                thread_ts=request.message_ts if in_thread else None,
                file=image,
                filename=filename,
                title=f":{request.name}:",
                initial_comment=comment,
            )
        except SlackApiError as error:
            if in_thread:
                raise
            raise_domain_error("files_upload_v2", error)
        except (SlackRequestError, URLError, OSError) as error:
            raise_domain_error("files_upload_v2", error)
        file = response.get("file") or {}
        return Delivery(
            method="file_share",
            emoji_name=request.name,
            location=str(file.get("permalink") or channel),
            shared_in="thread" if in_thread else "dm",
        )

    def _dm_channel(self, user_id: str) -> str:
        response = self._bot.conversations_open(users=user_id)
        return str(response["channel"]["id"])

    # -- telling the member -----------------------------------------------------------------------
    def notify(self, job_id: str, request: EmojiRequest, text: str) -> None:
        self._tell(request, text)

    def announce(
        self, job_id: str, channel: str, text: str, blocks: list[dict[str, Any]] | None = None
    ) -> None:
        try:
            self._bot.chat_postMessage(channel=channel, text=text, blocks=blocks)
        except (SlackApiError, SlackRequestError, URLError, OSError) as error:
            raise_domain_error("chat.postMessage", error)

    def offer_choices(
        self, job_id: str, request: EmojiRequest, candidates: list[Candidate]
    ) -> None:
        blocks = candidates_message(job_id, request.name, [c.url for c in candidates])
        self._tell(request, f"Pick your favourite for {request.name}", blocks)

    def _tell(
        self, request: EmojiRequest, text: str, blocks: list[dict[str, Any]] | None = None
    ) -> None:
        """Replace the member's ephemeral progress message; once the response_url has expired
        (30 min, 5 uses — e.g. a replay), DM the member instead."""
        if request.response_url and self._is_slack_url(request.response_url):
            try:
                sent = WebhookClient(request.response_url, timeout=10).send(
                    text=text, blocks=blocks, response_type="ephemeral", replace_original=True
                )
                if sent.status_code == 200:
                    return
            except (URLError, OSError):
                pass
        try:
            self._bot.chat_postMessage(channel=request.user_id, text=text, blocks=blocks)
        except (SlackApiError, SlackRequestError, URLError, OSError) as error:
            raise_domain_error("chat.postMessage", error)

    def _is_slack_url(self, url: str) -> bool:
        """Only Slack's own hosts: a replayed input must not make us post anywhere else."""
        return url.startswith((SLACK_HOOKS, self._api_origin))
