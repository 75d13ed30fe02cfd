"""A local Slack Web API for the real `slack_sdk.WebClient` (base_url = this server + /api/).

Speaks the methods Emoji Smith calls, records every call, and answers scripted faults:
`ok:false` errors, 429 with Retry-After, 500. Also serves files_upload_v2's upload URLs and
message-shortcut `response_url`s.
"""

from __future__ import annotations

import json
from collections import defaultdict, deque
from typing import Any

from fakes.http_fake import HTTPFake, Recorded, Reply

BOT_TOKEN = "xoxb-test-bot"
ADMIN_TOKEN = "xoxp-test-admin"
ADMIN_METHODS = frozenset({"admin.emoji.add"})


class FakeSlack(HTTPFake):
    def __init__(self) -> None:
        super().__init__()
        self.emoji: dict[str, str] = {"party": "https://emoji.test/party.png"}
        self.uploads: dict[str, bytes] = {}
        #: Emoji names admin.emoji.add really added, in order.
        self.added: list[str] = []
        self._faults: defaultdict[str, deque[str]] = defaultdict(deque)
        self._next_file = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/"

    def response_url(self, name: str = "1") -> str:
        return f"http://127.0.0.1:{self.port}/response/{name}"

    def fail(self, method: str, *behaviours: str) -> None:
        """Next calls of `method`: "ratelimited" (429), "server_error" (500), or an error code."""
        self._faults[method].extend(behaviours)

    def reset(self) -> None:
        self.requests.clear()
        self._faults.clear()
        self.uploads.clear()
        self.added.clear()
        self.emoji = {"party": "https://emoji.test/party.png"}

    def calls(self, method: str) -> list[Recorded]:
        """Calls of a Web API method that Slack answered ok."""
        return [r for r in self.requests if r.path == f"/api/{method}"]

    def params(self, request: Recorded) -> dict[str, Any]:
        return dict(request.json or request.form)

    def responses(self) -> list[dict[str, Any]]:
        return [r.json for r in self.requests if r.path.startswith("/response/")]

    def reply(self, request: Recorded) -> Reply:
        if request.path.startswith("/upload/"):
            self.uploads[request.path.rsplit("/", 1)[-1]] = request.body
            return Reply(200, f"OK - {len(request.body)}".encode())
        if request.path.startswith("/response/"):
            if request.path.endswith("/expired"):
                return Reply(404, b"expired_url")
            return Reply(200, b"ok")
        method = request.path.removeprefix("/api/")
        faults = self._faults.get(method)
        if faults:
            behaviour = faults.popleft()
            if behaviour == "ratelimited":
                return Reply(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "0"})
            if behaviour == "server_error":
                return Reply(500, b"upstream connect error")
            return Reply(200, {"ok": False, "error": behaviour})
        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        expected = ADMIN_TOKEN if method in ADMIN_METHODS else BOT_TOKEN
        if token != expected:
            return Reply(200, {"ok": False, "error": "invalid_auth"})
        handler = getattr(self, "_" + method.replace(".", "_"), None)
        if handler is None:
            return Reply(200, {"ok": False, "error": "unknown_method"})
        try:
            return Reply(200, {"ok": True, **handler(self.params(request))})
        except _SlackError as error:
            return Reply(200, {"ok": False, "error": str(error)})

    # -- methods ----------------------------------------------------------------------------------
    def _views_open(self, params: dict[str, Any]) -> dict[str, Any]:
        view = params["view"] if isinstance(params["view"], dict) else json.loads(params["view"])
        return {"view": {"id": "V123", **view}}

    def _emoji_list(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"emoji": dict(self.emoji)}

    def _admin_emoji_add(self, params: dict[str, Any]) -> dict[str, Any]:
        if params["name"] in self.emoji:
            raise _SlackError("error_name_taken")
        self.emoji[params["name"]] = params["url"]
        self.added.append(params["name"])
        return {}

    def _reactions_add(self, params: dict[str, Any]) -> dict[str, Any]:
        return {}

    def _conversations_open(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"channel": {"id": "D" + str(params["users"])}}

    def _chat_postMessage(self, params: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        return {"channel": params["channel"], "ts": "1800000000.000200", "message": params}

    def _chat_postEphemeral(self, params: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        return {"message_ts": "1800000000.000300"}

    def _files_getUploadURLExternal(self, params: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        self._next_file += 1
        file_id = f"F{self._next_file:05d}"
        return {"upload_url": f"http://127.0.0.1:{self.port}/upload/{file_id}", "file_id": file_id}

    def _files_completeUploadExternal(self, params: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        files = (
            params["files"] if isinstance(params["files"], list) else json.loads(params["files"])
        )
        return {
            "files": [
                {
                    "id": f["id"],
                    "title": f.get("title"),
                    "permalink": f"https://fake.slack.test/files/{f['id']}",
                }
                for f in files
            ]
        }


class _SlackError(Exception):
    pass
