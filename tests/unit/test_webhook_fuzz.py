"""Hostile input at the webhook: random and mutated bodies, headers and encodings never give a
5xx, and nothing happens without a valid signature."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from emoji_smith.domain.slack_requests import MAX_BODY_BYTES
from emoji_smith.domain.slack_views import create_emoji_modal
from emoji_smith.domain.styles import PRESETS
from emoji_smith.handlers.webhook import handler
from fakes.fake_slack import BOT_TOKEN, FakeSlack
from fakes.slack_payloads import SIGNING_SECRET, form, function_url_event, shortcut, submission


@pytest.fixture
def configured(monkeypatch: pytest.MonkeyPatch, slack: FakeSlack) -> FakeSlack:
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SIGNING_SECRET)
    monkeypatch.setenv("SLACK_BOT_TOKEN", BOT_TOKEN)
    monkeypatch.setenv("SLACK_API_BASE_URL", slack.base_url)
    monkeypatch.setenv("STATE_MACHINE_ARN", "arn:aws:states:us-east-1:1:stateMachine:none")
    monkeypatch.delenv("EMOJI_SMITH_SECRET_NAME", raising=False)
    return slack


HEADERS = st.dictionaries(
    st.sampled_from(["content-type", "x-slack-signature", "x-slack-request-timestamp", "x-other"]),
    st.text(max_size=80),
)
FUZZ = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@FUZZ
@given(body=st.binary(max_size=4096), headers=HEADERS, encoded=st.booleans())
def test_random_requests_are_refused_without_side_effects(
    configured: FakeSlack, body: bytes, headers: dict[str, str], encoded: bool
) -> None:
    event: dict[str, Any] = {
        "headers": headers,
        "body": base64.b64encode(body).decode() if encoded else body.decode("latin-1"),
        "isBase64Encoded": encoded,
    }
    answer = handler(event, None)
    assert answer["statusCode"] in (400, 401)
    assert configured.requests == []


@FUZZ
@given(flip=st.integers(min_value=0, max_value=10_000), byte=st.integers(1, 255))
def test_a_mutated_signed_request_is_refused(configured: FakeSlack, flip: int, byte: int) -> None:
    event = function_url_event(form(shortcut(configured.response_url())))
    body = bytearray(base64.b64decode(event["body"]))
    body[flip % len(body)] ^= byte
    event["body"] = base64.b64encode(bytes(body)).decode()
    assert handler(event, None)["statusCode"] == 401
    assert configured.requests == []


@FUZZ
@given(
    payload=st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=40),
        lambda inner: (
            st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=6)
        ),
        max_leaves=20,
    ),
    kind=st.sampled_from(["message_action", "view_submission", "block_actions", "shortcut"]),
)
def test_signed_but_strange_payloads_never_give_a_5xx(
    configured: FakeSlack, payload: Any, kind: str
) -> None:
    document = {"type": kind, "callback_id": "create_emoji", "payload": payload}
    if isinstance(payload, dict):
        document |= {key: value for key, value in payload.items() if key != "type"}
    answer = handler(function_url_event(form(document)), None)
    assert answer["statusCode"] < 500


def test_an_oversized_body_is_refused_before_anything(configured: FakeSlack) -> None:
    event = function_url_event(b"payload=" + b"x" * MAX_BODY_BYTES)
    assert handler(event, None)["statusCode"] == 413
    assert configured.requests == []


@pytest.mark.parametrize(
    "text",
    [
        "<@U123> <!channel> <https://evil.test|click> *bold* `code`",
        "\u202eevil\u202c \x00\x1b[31m control",
        "ü" * 5000,
        "`````` &amp; &lt;script&gt;",
        "",
    ],
)
def test_hostile_message_text_never_breaks_the_modal(configured: FakeSlack, text: str) -> None:
    from slack_sdk.models.views import View

    view = create_emoji_modal({"ts": "1.2", "text": text}, "C1", None, list(PRESETS))
    View(**view).validate_json()
    assert "\u202e" not in json.dumps(view, ensure_ascii=False)


@pytest.mark.parametrize(
    "name", ["<!channel>", "a" * 500, "ship\nit", ":smile: :smile:", "x\u200by", "DROP TABLE"]
)
def test_hostile_names_get_an_inline_error_and_start_nothing(
    configured: FakeSlack, name: str
) -> None:
    view = create_emoji_modal({"ts": "1.2", "text": "hi"}, "C1", None, list(PRESETS))
    answer = handler(
        function_url_event(form(submission(view, "V9", description="x", name=name))), None
    )
    body = json.loads(answer["body"])
    assert body["response_action"] == "errors"
    assert "name" in body["errors"]


def signed_submission(view: Any, **values: Any) -> dict[str, Any]:
    base = create_emoji_modal({"ts": "1.2", "text": "ship it"}, "C1", None, list(PRESETS))
    payload = submission(base, "V-bad", description="ship it", **values)
    payload["view"] = view(payload["view"]) if callable(view) else view
    return function_url_event(form(payload))


@pytest.mark.parametrize(
    ("view", "values", "expected"),
    [
        ("a string", {}, (400, "view is not an object")),
        ([1, 2], {}, (400, "view is not an object")),
        (lambda v: {**v, "private_metadata": "{not json"}, {}, (400, "not JSON")),
        (lambda v: {**v, "private_metadata": "[1, 2]"}, {}, (400, "not an object")),
        (lambda v: v, {"options": "abc"}, (200, "Choose 1 to 4 options")),
        (lambda v: v, {"options": "9"}, (200, "Choose 1 to 4 options")),
        (lambda v: v, {"share_to": "everyone"}, (200, "the thread or a DM")),
        (lambda v: v, {"style": "evil"}, (200, "offered styles")),
        (lambda v: {**v, "state": "nope"}, {}, (200, "")),
    ],
    ids=[
        "view-string",
        "view-list",
        "metadata-not-json",
        "metadata-list",
        "options-abc",
        "options-9",
        "share-to-unknown",
        "style-unknown",
        "state-not-object",
    ],
)
def test_signed_but_malformed_submissions_get_400_or_an_inline_error_never_500(
    configured: FakeSlack, view: Any, values: dict[str, Any], expected: tuple[int, str]
) -> None:
    answer = handler(signed_submission(view, **values), None)
    status, text = expected
    assert answer["statusCode"] == status
    assert text in answer["body"]
    if status == 200 and text:
        assert json.loads(answer["body"])["response_action"] == "errors"


def test_a_shortcut_on_a_long_japanese_message_is_accepted(configured: FakeSlack) -> None:
    # GIVEN a 10 000-character Japanese message: a signed body well over the old 64 KiB limit
    event = function_url_event(form(shortcut(configured.response_url(), text="絵文字" * 3334)))
    assert len(base64.b64decode(event["body"])) > 64 * 1024
    # THEN it is verified and the modal opens
    assert handler(event, None)["statusCode"] == 200
    assert len(configured.calls("views.open")) == 1
