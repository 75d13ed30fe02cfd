"""The webhook's Slack: `views.open`, `views.publish`, `emoji.list`, `users.info`,
`conversations.info` and `.join`, and ephemeral answers through `response_url`, over the
standard library's HTTP client (a connection kept open per host: `http_connections`).

Not slack_sdk: importing it costs ~75 ms of a cold webhook, which has 3 s in all, and the webhook
needs a few calls. None of them is retried (sent again only on a kept connection Slack had
closed, which never read it) and none sleeps: a 429 answers at once (and
`emoji.list` is then not asked until its Retry-After has passed), and each call has a 2 s timeout
(the conversation's calls at submission: 1 s).

Built for one workspace (`team`, distribution mode), every call names it as `team_id`: an
org-wide install's token acts in many workspaces of its Grid org, and Slack needs each call to
say which ("Using APIs with org-wide apps": a workspace token's `team_id` is ignored). What it
keeps (the emoji list, conversations) is that workspace's.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from collections.abc import Set as AbstractSet
from typing import Any
from urllib.parse import urlencode, urlsplit

from emoji_smith.adapters.http_connections import post
from emoji_smith.adapters.slack_errors import slack_error
from emoji_smith.domain.conversations import Conversation
from emoji_smith.domain.errors import SlackRejected, SlackUnavailable

SLACK_HOOKS = "https://hooks.slack.com/"
#: How long the workspace's emoji list is trusted (emoji.list is Tier 2: ~20 calls a minute).
EMOJI_LIST_SECONDS = 60.0
#: Each call's budget: the member's 3 s include everything else too.
TIMEOUT_SECONDS = 2.0
#: conversations.info and .join run at submission after the rest: a late answer is taken as
#: "private, not ours to post in" (the emoji goes by DM), never as a form Slack gave up on.
CONVERSATION_SECONDS = 1.0
#: Conversations remembered at most (all forgotten past it: each is asked again, nothing worse).
CONVERSATIONS_KEPT = 1024


class SlackWebApiInteractions:
    def __init__(
        self,
        token: str,
        api_base_url: str,
        conversation_seconds: float = 0.0,
        clock: Callable[[], float] = time.monotonic,
        team: str | None = None,
    ) -> None:
        """`conversation_seconds`: how long a conversation's answer is trusted (the composition
        root's bound; 0: asked each time); `clock` ages what is kept (a test moves it); `team`:
        the workspace every call names (None: the token's own, one-workspace mode)."""
        self._token = token
        self._team = {"team_id": team} if team else {}
        self._clock = clock
        self._conversation_seconds = conversation_seconds
        self._conversations: dict[str, tuple[float, Conversation]] = {}
        self._base_url = api_base_url if api_base_url.endswith("/") else api_base_url + "/"
        self._api_origin = "{0.scheme}://{0.netloc}/".format(urlsplit(api_base_url))
        self._emoji: tuple[float, dict[str, str]] | None = None
        self._emoji_list_blocked_until = 0.0
        self._lock = threading.Lock()

    def open_modal(self, trigger_id: str, view: dict[str, Any]) -> None:
        self._call("views.open", json_body={"trigger_id": trigger_id, "view": view})

    def emoji_names(self) -> AbstractSet[str]:
        return self._emoji_list().keys()

    def emoji_urls(self, refresh: bool = False) -> dict[str, str]:
        listed = self._emoji_list(0.0 if refresh else EMOJI_LIST_SECONDS)
        return {name: url for name, url in listed.items() if not url.startswith("alias:")}

    def _emoji_list(self, trusted_seconds: float = EMOJI_LIST_SECONDS) -> dict[str, str]:
        """Cached a minute (unless the caller knows it lacks one); while Slack rate-limits
        emoji.list, not asked at all (the workflow's own name check decides then)."""
        now = self._clock()
        with self._lock:
            if self._emoji is not None and now - self._emoji[0] < trusted_seconds:
                return self._emoji[1]
            if now < self._emoji_list_blocked_until:
                raise SlackUnavailable("Slack is rate limiting emoji.list; not asking again yet.")
        try:
            answer = self._call("emoji.list", form={})
        except _RateLimited as limited:
            with self._lock:
                self._emoji_list_blocked_until = now + limited.retry_after
            raise SlackUnavailable("Slack is unavailable (emoji.list: ratelimited).") from None
        listed = answer.get("emoji")
        emoji = {str(k): str(v) for k, v in listed.items()} if isinstance(listed, dict) else {}
        with self._lock:
            self._emoji = (now, emoji)
        return emoji

    def is_admin(self, user_id: str) -> bool:
        """Asked every time, never cached: a member who stops being an admin stops at once."""
        user = self._call("users.info", form={"user": user_id}).get("user")
        if not isinstance(user, dict) or user.get("deleted"):
            return False
        return any(user.get(flag) is True for flag in ("is_admin", "is_owner", "is_primary_owner"))

    def publish_home(self, user_id: str, view: dict[str, Any]) -> None:
        self._call("views.publish", json_body={"user_id": user_id, "view": view})

    def conversation(self, channel_id: str) -> Conversation:
        """Any of Slack's flags makes it private; a DM the bot can see is one with the bot.
        An answer is trusted `conversation_seconds` from when it was asked (errors never)."""
        began = self._clock()
        with self._lock:
            cached = self._conversations.get(channel_id)
        if cached is not None and began - cached[0] < self._conversation_seconds:
            return cached[1]
        asked = {"channel": channel_id}
        answer = self._call("conversations.info", form=asked, timeout=CONVERSATION_SECONDS)
        found = answer.get("channel")
        if not isinstance(found, dict):
            raise SlackUnavailable("Slack answered conversations.info without the channel.")
        im = found.get("is_im") is True
        flags = ("is_private", "is_mpim", "is_group")
        private = im or any(found.get(flag) is True for flag in flags)
        known = Conversation(private=private, member=im or found.get("is_member") is True)
        self._remember(channel_id, began, known)
        return known

    def join(self, channel_id: str) -> None:
        self._call("conversations.join", form={"channel": channel_id}, timeout=CONVERSATION_SECONDS)
        with self._lock:  # the bot's membership has changed: asked again next time
            self._conversations.pop(channel_id, None)

    def _remember(self, channel_id: str, at: float, known: Conversation) -> None:
        if self._conversation_seconds <= 0:
            return
        with self._lock:
            if len(self._conversations) >= CONVERSATIONS_KEPT:  # keep the map small
                self._conversations.clear()
            self._conversations[channel_id] = (at, known)

    def respond(self, response_url: str, text: str) -> None:
        """An ephemeral answer, only to Slack's own hosts (a payload cannot send us elsewhere)."""
        if not response_url.startswith((SLACK_HOOKS, self._api_origin)):
            raise SlackRejected("The response_url is not Slack's: not answering there.")
        body = {"text": text, "response_type": "ephemeral", "replace_original": False}
        _post(response_url, json.dumps(body).encode(), "application/json", {}, "response_url")

    def _call(
        self,
        method: str,
        *,
        json_body: dict[str, Any] | None = None,
        form: dict[str, str] | None = None,
        timeout: float = TIMEOUT_SECONDS,
    ) -> dict[str, Any]:
        if json_body is not None:
            body = json.dumps(json_body | self._team).encode()
            data, content_type = body, "application/json; charset=utf-8"
        else:
            data = urlencode((form or {}) | self._team).encode()
            content_type = "application/x-www-form-urlencoded"
        headers = {"Authorization": f"Bearer {self._token}"}
        raw = _post(self._base_url + method, data, content_type, headers, method, timeout=timeout)
        try:
            answer = json.loads(raw)
        except ValueError:
            raise SlackUnavailable(f"Slack answered {method} with something not JSON.") from None
        if not isinstance(answer, dict):
            raise SlackUnavailable(f"Slack answered {method} with something not an object.")
        if not answer.get("ok"):
            raise slack_error(method, 200, str(answer.get("error") or "unknown_error"))
        return answer


class _RateLimited(SlackUnavailable):
    def __init__(self, method: str, retry_after: float) -> None:
        super().__init__(f"Slack is rate limiting {method} for {retry_after:.0f} s.")
        self.retry_after = retry_after


def _post(
    url: str,
    data: bytes,
    content_type: str,
    headers: dict[str, str],
    method: str,
    *,
    timeout: float = TIMEOUT_SECONDS,
) -> bytes:
    try:  # a connection kept open: a warm webhook calls Slack on every request
        answer = post(url, data, {"Content-Type": content_type, **headers}, timeout)
    except OSError as error:
        raise SlackUnavailable(f"Cannot reach Slack ({method}): {error}") from None
    if answer.status == 429:
        raise _RateLimited(method, _seconds(answer.headers.get("Retry-After")))
    if not 200 <= answer.status < 300:
        raise slack_error(method, answer.status, f"HTTP {answer.status}")
    return answer.body


def _seconds(value: str | None) -> float:
    try:
        return max(0.0, float(value or EMOJI_LIST_SECONDS))
    except ValueError:
        return EMOJI_LIST_SECONDS
