"""A local Slack Web API for the real `slack_sdk.WebClient` (base_url = this server + /api/).

Speaks the methods Emoji Smith calls, records every call, and answers scripted faults:
`ok:false` errors, 429 with Retry-After, 500. Also serves files_upload_v2's upload URLs and
message-shortcut `response_url`s.

Workspaces and OAuth (which team a token and a file, channel or member belong to;
`oauth.v2.access`): `slack_workspaces.SlackWorkspaces`, mixed in.
"""

from __future__ import annotations

import json
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from fakes import block_kit
from fakes.http_fake import HTTPFake, Recorded, Reply
from fakes.slack_workspaces import DEFAULT_TEAM, SlackWorkspaces

BOT_TOKEN = "xoxb-test-bot"
ADMIN_TOKEN = "xoxp-test-admin"
ADMIN_METHODS = frozenset({"admin.emoji.add"})
PERMALINK = "https://fake.slack.test/files/"


@dataclass
class Conversation:
    """A conversation as Slack keeps it for the bot. A channel the fake was not told of is a
    public channel the bot is in (what the tests before this model assumed)."""

    kind: Literal["channel", "im", "mpim"] = "channel"
    private: bool = False
    #: The bot is in it: it can post, share files and react there.
    member: bool = True

    def info(self, channel_id: str) -> dict[str, Any]:
        """`conversations.info`'s `channel`: an IM has no `is_member` (only its two ends see it)."""
        answer: dict[str, Any] = {
            "id": channel_id,
            "is_channel": self.kind == "channel" and not self.private,
            "is_group": self.kind == "channel" and self.private,
            "is_im": self.kind == "im",
            "is_mpim": self.kind == "mpim",
            "is_private": self.private or self.kind != "channel",
            "is_archived": False,
        }
        if self.kind != "im":
            answer["is_member"] = self.member
        return answer


PUBLIC = Conversation()


class FakeSlack(SlackWorkspaces, HTTPFake):
    def __init__(self) -> None:
        super().__init__()
        self.emoji: dict[str, str] = {"party": "https://emoji.test/party.png"}
        self.uploads: dict[str, bytes] = {}
        #: Emoji names admin.emoji.add really added, in order.
        self.added: list[str] = []
        self._faults: defaultdict[str, deque[str]] = defaultdict(deque)
        self._next_file = 0
        #: Files members shared: id → (name, mimetype, bytes). `hidden`: ids the bot cannot see.
        self.shared: dict[str, tuple[str, str, bytes]] = {}
        self.hidden: set[str] = set()
        #: Custom emoji images served by this fake (their emoji.list URLs point here).
        self.emoji_images: dict[str, bytes] = {}
        #: The URL each emoji admin.emoji.add added was copied from.
        self.emoji_sources: dict[str, str] = {}
        #: Members users.info knows as workspace admins (`is_admin`) or owners (`is_owner`).
        self.admins: set[str] = set()
        self.owners: set[str] = set()
        #: Every file an upload completed: Slack keeps them, so `reset` does not forget them.
        self.files: set[str] = set()
        self._init_workspaces({BOT_TOKEN: "bot", ADMIN_TOKEN: "user"})
        #: Conversations by id (`add_conversation`); any other C… id is `PUBLIC`.
        self.conversations: dict[str, Conversation] = {}

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/"

    def response_url(self, name: str = "1") -> str:
        return f"http://127.0.0.1:{self.port}/response/{name}"

    def fail(self, method: str, *behaviours: str) -> None:
        """Next calls of `method`: "ratelimited" (429), "server_error" (500), "slow:SECONDS" (the
        usual answer, late), or an error code."""
        self._faults[method].extend(behaviours)

    def reset(self) -> None:
        self.requests.clear()
        self._faults.clear()
        self.uploads.clear()
        self.added.clear()
        self.emoji = {"party": "https://emoji.test/party.png"}
        self.shared.clear()
        self.hidden.clear()
        self.emoji_images.clear()
        self.emoji_sources.clear()
        self.admins.clear()
        self.owners.clear()
        self.conversations.clear()
        self._reset_workspaces()

    def add_conversation(
        self,
        channel_id: str,
        kind: Literal["channel", "im", "mpim"] = "channel",
        *,
        private: bool = False,
        member: bool = True,
    ) -> None:
        """A conversation the bot is in (`member`) or not. A group DM and a DM are private."""
        self.conversations[channel_id] = Conversation(kind, private or kind != "channel", member)

    def _conversation(self, channel_id: str) -> Conversation:
        """As the bot sees it: one it cannot see (private, not in it) is `channel_not_found`.
        A member's id is the bot's DM with them (chat.postMessage opens it). Another team's
        conversation is one it cannot see."""
        if not self.visible(channel_id):
            raise _SlackError("channel_not_found")
        if channel_id.startswith(("U", "W", "D")) and channel_id not in self.conversations:
            return Conversation("im")
        conversation = self.conversations.get(channel_id, PUBLIC)
        if conversation.private and not conversation.member:
            raise _SlackError("channel_not_found")
        return conversation

    def _check_member(self, channel_id: str) -> None:
        """Posting, sharing a file or reacting needs the bot in the conversation."""
        if not self._conversation(channel_id).member:
            raise _SlackError("not_in_channel")

    def share_file(
        self,
        file_id: str,
        name: str,
        data: bytes,
        mimetype: str = "image/png",
        team: str = DEFAULT_TEAM,
    ) -> None:
        self.shared[file_id] = (name, mimetype, data)
        self.place(team, file_id)

    def add_emoji_image(self, name: str, data: bytes) -> None:
        self.emoji_images[name] = data
        self.emoji[name] = f"http://127.0.0.1:{self.port}/emoji/{name}.png"

    def calls(self, method: str) -> list[Recorded]:
        """Calls of a Web API method that Slack answered ok."""
        return [r for r in self.requests if r.path == f"/api/{method}"]

    def params(self, request: Recorded) -> dict[str, Any]:
        return dict(request.json or request.form)

    def responses(self) -> list[dict[str, Any]]:
        return [r.json for r in self.requests if r.path.startswith("/response/")]

    def reply(self, request: Recorded) -> Reply:
        if request.path.startswith("/files-pri/"):
            return self._download(request)
        if request.path.startswith("/emoji/"):
            name = request.path.removeprefix("/emoji/").removesuffix(".png")
            data = self.emoji_images.get(name)
            return Reply(200, data, {"Content-Type": "image/png"}) if data else Reply(404, b"")
        if request.path.startswith("/upload/"):
            self.uploads[request.path.rsplit("/", 1)[-1]] = request.body
            return Reply(200, f"OK - {len(request.body)}".encode())
        if request.path.startswith("/response/"):
            return self._respond(request)
        method = request.path.removeprefix("/api/")
        faults = self._faults.get(method)
        if faults:
            behaviour = faults.popleft()
            if behaviour.startswith("ratelimited"):
                # "ratelimited" or "ratelimited:SECONDS" (Slack's Retry-After)
                seconds = behaviour.partition(":")[2] or "0"
                return Reply(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": seconds})
            if behaviour == "server_error":
                return Reply(500, b"upstream connect error")
            if behaviour.startswith("slow:"):  # answered as usual, SECONDS late
                answer = self._web_api(method, request)
                answer.delay_seconds = float(behaviour.partition(":")[2])
                return answer
            return Reply(200, {"ok": False, "error": behaviour})
        return self._web_api(method, request)

    def _web_api(self, method: str, request: Recorded) -> Reply:
        if method == "oauth.v2.access":  # the client authenticates itself, with no token
            return Reply(200, self.oauth_v2_access(request, self.params(request)))
        params = self.params(request)
        problem = self.token_problem(request, admin=method in ADMIN_METHODS)
        if problem:
            return Reply(200, {"ok": False, "error": problem})
        handler = getattr(self, "_" + method.replace(".", "_"), None)
        if handler is None:
            return Reply(200, {"ok": False, "error": "unknown_method"})
        problem = self.team_problem(request, method, params)
        if problem:
            return Reply(200, {"ok": False, "error": problem})
        self._team = self.acting_team(request, params)  # under the fake's lock: one at a time
        try:
            return Reply(200, {"ok": True, **handler(params)})
        except _SlackError as error:
            answer: dict[str, Any] = {"ok": False, "error": error.code}
            if error.messages:
                answer["response_metadata"] = {"messages": error.messages}
            return Reply(200, answer)

    def _respond(self, request: Recorded) -> Reply:
        """A response_url answers as an incoming webhook does: a plain-text error, a 4xx."""
        if request.path.endswith("/expired"):
            return Reply(404, b"expired_url")
        body = request.json if isinstance(request.json, dict) else {}
        if "blocks" in body and block_kit.message_problems(body["blocks"]):
            return Reply(400, b"invalid_blocks")
        return Reply(200, b"ok")

    def _download(self, request: Recorded) -> Reply:
        """url_private_download: the bot token in the Authorization header, as Slack wants."""
        if self.token_problem(request):
            return Reply(403, b"<html>Sign in to Slack</html>", {"Content-Type": "text/html"})
        url_team, _, file_id = request.path.split("/")[2].rpartition("-")
        team = self.download_team(request, url_team)
        hidden = file_id not in self.shared or file_id in self.hidden
        if hidden or team is None or not self.visible(file_id, team):
            return Reply(404, b"", {"Content-Type": "text/html"})
        _name, mimetype, data = self.shared[file_id]
        return Reply(200, data, {"Content-Type": mimetype})

    # -- methods (`self._team`: the team of the call's token; auth.test is SlackWorkspaces') -----

    def _files_info(self, params: dict[str, Any]) -> dict[str, Any]:
        file_id = str(params.get("file", ""))
        visible = self.visible(file_id)
        if file_id not in self.shared or file_id in self.hidden or not visible:
            raise _SlackError("file_not_found")
        name, mimetype, data = self.shared[file_id]
        url = f"http://127.0.0.1:{self.port}/files-pri/{self._team}-{file_id}/download/{name}"
        return {
            "file": {
                "id": file_id,
                "name": name,
                "mimetype": mimetype,
                "size": len(data),
                "url_private": url.replace("/download/", "/"),
                "url_private_download": url,
            }
        }

    def _users_info(self, params: dict[str, Any]) -> dict[str, Any]:
        user = str(params.get("user") or "")
        if not user.startswith(("U", "W")) or not self.visible(user):
            raise _SlackError("user_not_found")
        owner = user in self.owners
        return {
            "user": {
                "id": user,
                "name": user.lower(),
                "deleted": False,
                "is_admin": user in self.admins or owner,  # Slack: owners are admins too
                "is_owner": owner,
                "is_primary_owner": False,
                "is_bot": False,
            }
        }

    def _known_file(self, reference: dict[str, Any]) -> bool:
        """A `slack_file` refers to a file this Slack has (uploaded by the bot, or shared)."""
        if "id" in reference:
            file_id = str(reference["id"])
        elif str(reference.get("url") or "").startswith(PERMALINK):
            file_id = str(reference["url"]).removeprefix(PERMALINK)
        else:
            return False
        known = file_id in self.files or file_id in self.shared
        return known and self.visible(file_id)

    def _views_open(self, params: dict[str, Any]) -> dict[str, Any]:
        if not params.get("trigger_id"):
            raise _SlackError("invalid_trigger_id")
        view = params["view"] if isinstance(params["view"], dict) else json.loads(params["view"])
        problems = view_problems(view, known_file=self._known_file)
        if problems:
            raise _SlackError("invalid_arguments", problems)
        return {"view": {"id": "V123", **view}}

    def _views_publish(self, params: dict[str, Any]) -> dict[str, Any]:
        """As views.open: the view is checked like Slack checks it (a Home tab's type: home)."""
        if not params.get("user_id"):
            raise _SlackError("invalid_arguments", ["[ERROR] missing required field: user_id"])
        if not self.visible(str(params["user_id"])):  # a member of another workspace
            raise _SlackError("user_not_found")
        view = params["view"] if isinstance(params["view"], dict) else json.loads(params["view"])
        problems = view_problems(view, kind="home", known_file=self._known_file)
        if problems:
            raise _SlackError("invalid_arguments", problems)
        return {"view": {"id": "VH1", **view}}

    def _emoji_list(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"emoji": dict(self.emoji_of(self.emoji))}

    def _admin_emoji_add(self, params: dict[str, Any]) -> dict[str, Any]:
        emoji = self.emoji_of(self.emoji)
        if params["name"] in emoji:
            raise _SlackError("error_name_taken")
        # Slack copies the image and serves it from its own emoji host (never the source URL).
        emoji[params["name"]] = f"https://emoji.test/{self._team}/{params['name']}/abc123.png"
        self.emoji_sources[params["name"]] = params["url"]
        self.added.append(params["name"])
        return {}

    def _reactions_add(self, params: dict[str, Any]) -> dict[str, Any]:
        self._check_member(str(params.get("channel") or ""))
        return {}

    def _conversations_open(self, params: dict[str, Any]) -> dict[str, Any]:
        if not self.visible(str(params["users"])):
            raise _SlackError("user_not_found")
        self.place(self._team, "D" + str(params["users"]))
        return {"channel": {"id": "D" + str(params["users"])}}

    def _conversations_info(self, params: dict[str, Any]) -> dict[str, Any]:
        channel_id = str(params.get("channel") or "")
        return {"channel": self._conversation(channel_id).info(channel_id)}

    def _conversations_join(self, params: dict[str, Any]) -> dict[str, Any]:
        """Only a public channel can be joined (channels:join); anything else is
        `method_not_supported_for_channel_type`, once the bot can see it at all."""
        channel_id = str(params.get("channel") or "")
        conversation = self._conversation(channel_id)
        if conversation.private:
            raise _SlackError("method_not_supported_for_channel_type")
        already = conversation.member
        self.conversations[channel_id] = Conversation(member=True)
        answer: dict[str, Any] = {"channel": self.conversations[channel_id].info(channel_id)}
        if already:
            answer |= {"warning": "already_in_channel"}
        return answer

    def _chat_postMessage(self, params: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        self._check_member(str(params.get("channel") or ""))
        self._check_message_blocks(params)
        return {"channel": params["channel"], "ts": "1800000000.000200", "message": params}

    def _chat_postEphemeral(self, params: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        if not self.visible(str(params.get("channel") or "")):
            raise _SlackError("channel_not_found")
        self._check_message_blocks(params)
        return {"message_ts": "1800000000.000300"}

    def _check_message_blocks(self, params: dict[str, Any]) -> None:
        """Blocks are checked as Slack checks a message's (the schema, at most 50, unique ids,
        and the files an image shows); a message with neither text nor blocks is `no_text`."""
        if "blocks" not in params:
            if not params.get("text") and not params.get("attachments"):
                raise _SlackError("no_text")
            return
        blocks = params["blocks"]
        blocks = json.loads(blocks) if isinstance(blocks, str) else blocks
        problems = block_kit.message_problems(blocks)
        for index, block in enumerate(blocks if isinstance(blocks, list) else []):
            problems += _block_problems(block, f"/blocks/{index}", self._known_file)
        if problems:
            raise _SlackError("invalid_blocks", problems)

    def _files_getUploadURLExternal(self, params: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        self._next_file += 1
        file_id = f"F{self._next_file:05d}"
        return {"upload_url": f"http://127.0.0.1:{self.port}/upload/{file_id}", "file_id": file_id}

    def _files_completeUploadExternal(self, params: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        files = (
            params["files"] if isinstance(params["files"], list) else json.loads(params["files"])
        )
        # Shared where it completes: the bot must be in each conversation.
        for channel in [params.get("channel_id"), *str(params.get("channels") or "").split(",")]:
            if channel:
                self._check_member(str(channel))
        self.files |= {str(f["id"]) for f in files}
        self.owners_team |= {str(f["id"]): self._team for f in files}
        return {
            "files": [
                {"id": f["id"], "title": f.get("title"), "permalink": f"{PERMALINK}{f['id']}"}
                for f in files
            ]
        }


class _SlackError(Exception):
    def __init__(self, code: str, messages: list[str] | None = None) -> None:
        super().__init__(code)
        self.code = code
        self.messages = messages or []


#: Slack's documented limits for a modal view (Block Kit reference), as `views.open` enforces them.
MODAL_TEXT_LIMITS = {"title": 24, "submit": 24, "close": 24}
MAX_PRIVATE_METADATA = 3000
MAX_CALLBACK_ID = 255
MAX_INPUT_LABEL = 2000
MAX_PLAIN_TEXT_INPUT = 3000


MAX_BUTTON_TEXT = 75
MAX_BUTTON_VALUE = 2000
MAX_ACTIONS_ELEMENTS = 25
MAX_CHECKBOX_OPTIONS = 10
MAX_SECTION_TEXT = 3000
MAX_HEADER_TEXT = 150
MAX_BLOCK_ID = 255


def view_problems(
    view: dict[str, Any],
    kind: str = "modal",
    known_file: Callable[[dict[str, Any]], bool] = lambda _reference: True,
) -> list[str]:
    """What Slack would refuse in a modal (or a Home tab), in its `[ERROR] … [json-pointer:…]`
    style: the published schema's verdict (block_kit) and what it cannot know or leaves out.
    `known_file`: whether a `slack_file` names a file Slack has."""
    problems = []
    if view.get("type") != kind:
        problems.append(f"[ERROR] must be '{kind}' [json-pointer:/view/type]")
    for key, limit in MODAL_TEXT_LIMITS.items():
        text = (view.get(key) or {}).get("text")
        if key == "title" and not text and kind == "modal":
            problems.append("[ERROR] missing required field: title [json-pointer:/view/title]")
        if text is not None and not 0 < len(text) <= limit:
            problems.append(f"[ERROR] must be 1-{limit} characters [json-pointer:/view/{key}/text]")
    if len(view.get("private_metadata") or "") > MAX_PRIVATE_METADATA:
        problems.append(
            "[ERROR] must be less than 3001 characters [json-pointer:/view/private_metadata]"
        )
    if len(view.get("callback_id") or "") > MAX_CALLBACK_ID:
        problems.append("[ERROR] must be less than 256 characters [json-pointer:/view/callback_id]")
    blocks = view.get("blocks") or []
    for index, block in enumerate(blocks):
        problems += _block_problems(block, f"/view/blocks/{index}", known_file)
    return problems + block_kit.view_problems(view, kind)


def _block_problems(
    block: dict[str, Any], pointer: str, known_file: Callable[[dict[str, Any]], bool]
) -> list[str]:
    problems = []
    if len(str(block.get("block_id", ""))) > MAX_BLOCK_ID:
        problems.append(
            f"[ERROR] must be less than 256 characters [json-pointer:{pointer}/block_id]"
        )
    kind = block.get("type")
    if kind == "header" and not 0 < len(block["text"]["text"]) <= MAX_HEADER_TEXT:
        problems.append(f"[ERROR] must be 1-150 characters [json-pointer:{pointer}/text/text]")
    if kind == "section":
        if not 0 < len((block.get("text") or {}).get("text") or "") <= MAX_SECTION_TEXT:
            problems.append(f"[ERROR] must be 1-3000 characters [json-pointer:{pointer}/text/text]")
        if "accessory" in block:
            problems += _element_problems(block["accessory"], f"{pointer}/accessory", known_file)
    if kind == "image":
        problems += _element_problems(block, pointer, known_file)
    if kind == "actions":
        elements = block.get("elements") or []
        if not 0 < len(elements) <= MAX_ACTIONS_ELEMENTS:
            problems.append(f"[ERROR] must have 1-25 items [json-pointer:{pointer}/elements]")
        for index, element in enumerate(elements):
            problems += _element_problems(element, f"{pointer}/elements/{index}", known_file)
    if kind == "input":
        problems += _input_problems(block, pointer, known_file)
    return problems


def _input_problems(
    block: dict[str, Any], pointer: str, known_file: Callable[[dict[str, Any]], bool]
) -> list[str]:
    problems = []
    label = (block.get("label") or {}).get("text") or ""
    if not 0 < len(label) <= MAX_INPUT_LABEL:
        problems.append(f"[ERROR] must be 1-2000 characters [json-pointer:{pointer}/label/text]")
    element = block.get("element") or {}
    problems += _element_problems(element, f"{pointer}/element", known_file)
    if element.get("type") == "plain_text_input" and "initial_value" in element:
        value = element["initial_value"]
        limit = min(int(element.get("max_length") or MAX_PLAIN_TEXT_INPUT), MAX_PLAIN_TEXT_INPUT)
        if not isinstance(value, str) or not 0 < len(value) <= limit:
            problems.append(
                f"[ERROR] must be 1-{limit} characters "
                f"[json-pointer:{pointer}/element/initial_value]"
            )
    return problems


def _element_problems(
    element: dict[str, Any], pointer: str, known_file: Callable[[dict[str, Any]], bool]
) -> list[str]:
    """Block elements as the Block Kit reference bounds them."""
    problems: list[str] = []
    kind = element.get("type")
    if kind == "button":
        if not 0 < len((element.get("text") or {}).get("text") or "") <= MAX_BUTTON_TEXT:
            problems.append(f"[ERROR] must be 1-75 characters [json-pointer:{pointer}/text/text]")
        if len(str(element.get("value", ""))) > MAX_BUTTON_VALUE:
            problems.append(
                f"[ERROR] must be less than 2001 characters [json-pointer:{pointer}/value]"
            )
    if kind == "image":
        problems += _image_problems(element, pointer, known_file)
    options = element.get("options") or []
    if kind == "checkboxes" and not 0 < len(options) <= MAX_CHECKBOX_OPTIONS:
        problems.append(f"[ERROR] must have 1-10 items [json-pointer:{pointer}/options]")
    initial = element.get("initial_options", [])
    if "initial_option" in element:
        initial = [element["initial_option"]]
    if any(option not in options for option in initial):
        problems.append(
            f"[ERROR] initial options must be among the options [json-pointer:{pointer}]"
        )
    if kind == "number_input":
        problems += _number_problems(element, pointer)
    return problems


def _number_problems(element: dict[str, Any], pointer: str) -> list[str]:
    if "is_decimal_allowed" not in element:
        return [f"[ERROR] missing required field: is_decimal_allowed [json-pointer:{pointer}]"]
    read = float if element["is_decimal_allowed"] else int
    try:
        low, high = read(element.get("min_value", "-inf")), read(element.get("max_value", "inf"))
        value = read(element["initial_value"]) if "initial_value" in element else low
    except ValueError:
        return [f"[ERROR] not a valid number [json-pointer:{pointer}]"]
    if not low <= value <= high:
        return [f"[ERROR] must be between min_value and max_value [json-pointer:{pointer}]"]
    return []


def _image_problems(
    element: dict[str, Any], pointer: str, known_file: Callable[[dict[str, Any]], bool]
) -> list[str]:
    """An image block or element: alt text, and one source that Slack can show."""
    at = f"[json-pointer:{pointer}]"
    problems = []
    if not element.get("alt_text"):
        problems.append(f"[ERROR] missing required field: alt_text {at}")
    if len([key for key in ("image_url", "slack_file") if key in element]) != 1:
        problems.append(f"[ERROR] must provide exactly one of image_url, slack_file {at}")
    reference = element.get("slack_file")
    if isinstance(reference, dict):
        if len({"url", "id"} & set(reference)) != 1:
            problems.append(f"[ERROR] slack_file must have exactly one of url, id {at}")
        elif not known_file(reference):
            problems.append(f"[ERROR] invalid slack_file: no such file {at}")
    return problems
