"""Block Kit payloads judged by a published schema (tests/specs, TightknitAI's, draft 2020-12)
plus the cross-block rules a per-block schema cannot state. The fake Slack and the contract
tests share it; `checked()` counts every payload judged in this process (`make test` prints it)."""

from __future__ import annotations

import functools
import json
import threading
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

SPECS = Path(__file__).resolve().parent.parent / "specs"
SCHEMA: dict[str, Any] = json.loads((SPECS / "slack-block-kit.schema.json").read_text())
MAX_MESSAGE_BLOCKS = 50


def _validator(definition: dict[str, Any]) -> Draft202012Validator:
    """Compiled once; its refs resolve within the whole schema."""
    return Draft202012Validator({**definition, "$defs": SCHEMA["$defs"]})


#: The schema's `block` is a oneOf discriminated by `type`: judging a block by its own type's
#: definition is the same verdict, ~20× faster, and names the field that is wrong.
_BLOCK_TYPES = {
    ref["$ref"].removeprefix("#/$defs/"): None for ref in SCHEMA["$defs"]["block"]["oneOf"]
}
_BY_TYPE = {
    SCHEMA["$defs"][name]["properties"]["type"]["const"]: _validator(SCHEMA["$defs"][name])
    for name in _BLOCK_TYPES
}


def _view_validator(kind: str) -> Draft202012Validator:
    """A view's own fields; its blocks are judged one by one, as above."""
    view = SCHEMA["$defs"][f"{kind}_view"]
    blocks = {**view["properties"]["blocks"], "items": {"type": "object"}}
    return _validator({**view, "properties": {**view["properties"], "blocks": blocks}})


_VIEWS = {kind: _view_validator(kind) for kind in ("modal", "home")}


def _problems(errors: Iterable[ValidationError], root: str) -> list[str]:
    """In Slack's `[ERROR] … [json-pointer:…]` style."""
    found = []
    for error in errors:
        for cause in _causes(error):
            pointer = "".join(f"/{part}" for part in cause.absolute_path)
            found.append(f"[ERROR] {cause.message[:200]} [json-pointer:{root}{pointer}]")
    return found


def _causes(error: ValidationError) -> list[ValidationError]:
    """A oneOf of element types fails as a whole: name what is wrong in the branch whose
    `type` matched (the element the payload meant), when there is exactly one."""
    if error.validator != "oneOf" or not error.context:
        return [error]
    branches: dict[Any, list[ValidationError]] = {}
    for cause in error.context:
        branches.setdefault(cause.schema_path[0], []).append(cause)
    meant = [
        causes
        for causes in branches.values()
        if not any(list(c.relative_path) == ["type"] for c in causes)
    ]
    if len(meant) != 1:
        return [error]
    return [deeper for cause in meant[0] for deeper in _causes(cause)]


def _blocks_problems(blocks: list[Any], root: str) -> list[str]:
    problems = []
    for index, block in enumerate(blocks):
        kind = block.get("type") if isinstance(block, Mapping) else None
        validator = _BY_TYPE.get(kind) if isinstance(kind, str) else None
        if validator is None:
            problems.append(f"[ERROR] unknown block type: {kind} [json-pointer:{root}/{index}]")
        else:
            problems += _problems(validator.iter_errors(block), f"{root}/{index}")
    return problems + _unique_ids(blocks, root)


_lock = threading.Lock()
_checked = [0]


def checked() -> int:
    """How many payloads were judged in this process so far."""
    return _checked[0]


def _count() -> None:
    with _lock:  # the fake Slack judges from its request threads
        _checked[0] += 1


def _unique_ids(blocks: list[Any], root: str) -> list[str]:
    """block_id unique in the payload; action_id unique within its block (Slack's docs)."""
    problems = []
    block_ids = [b["block_id"] for b in blocks if isinstance(b, Mapping) and "block_id" in b]
    for block_id in sorted({i for i in block_ids if block_ids.count(i) > 1}):
        problems.append(f"[ERROR] duplicate block_id: {block_id} [json-pointer:{root}]")
    for index, block in enumerate(blocks):
        if not isinstance(block, Mapping):
            continue
        elements = [block.get("accessory"), block.get("element"), *(block.get("elements") or [])]
        action_ids = [
            e["action_id"] for e in elements if isinstance(e, Mapping) and "action_id" in e
        ]
        if len(action_ids) != len(set(action_ids)):
            problems.append(f"[ERROR] duplicate action_id [json-pointer:{root}/{index}]")
    return problems


def message_problems(blocks: Any, root: str = "/blocks") -> list[str]:
    """What Slack refuses in a message's blocks (chat.postMessage, response_url, …)."""
    _count()
    return list(_judged("message", json.dumps(blocks, sort_keys=True), root))


def view_problems(view: Any, kind: str) -> list[str]:
    """What Slack refuses in a view of `kind` ("modal" or "home")."""
    _count()
    return list(_judged(kind, json.dumps(view, sort_keys=True), "/view"))


@functools.lru_cache(maxsize=4096)
def _judged(kind: str, payload: str, root: str) -> tuple[str, ...]:
    """The suite sends many identical payloads: each distinct one is judged once."""
    if kind == "message":
        return tuple(_message_problems(json.loads(payload), root))
    return tuple(_view_problems(json.loads(payload), kind))


def _message_problems(blocks: Any, root: str) -> list[str]:
    if not isinstance(blocks, list):
        return [f"[ERROR] must be an array [json-pointer:{root}]"]
    problems = [] if blocks else [f"[ERROR] must have at least 1 item [json-pointer:{root}]"]
    if len(blocks) > MAX_MESSAGE_BLOCKS:
        problems.append(f"[ERROR] no more than {MAX_MESSAGE_BLOCKS} items [json-pointer:{root}]")
    return problems + _blocks_problems(blocks, root)


def _view_problems(view: Any, kind: str) -> list[str]:
    if not isinstance(view, Mapping) or view.get("type") != kind:
        return [f"[ERROR] must be a '{kind}' view [json-pointer:/view/type]"]
    problems = _problems(_VIEWS[kind].iter_errors(view), "/view")
    blocks = view.get("blocks")
    if isinstance(blocks, list):  # their number: the schema's maxItems (100)
        problems += _blocks_problems(blocks, "/view/blocks")
    return problems
