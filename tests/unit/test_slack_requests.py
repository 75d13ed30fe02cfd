from __future__ import annotations

import hashlib
import hmac
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from emoji_smith.domain.slack_requests import (
    MAX_BODY_BYTES,
    RequestNotFromSlack,
    RequestTooLarge,
    expected_signature,
    verify_slack_request,
)

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
NOW = 1_800_000_000.0


def slack_signs(body: bytes, timestamp: str, secret: str = SECRET) -> str:
    """Independently of the code under test: how Slack's docs say a request is signed."""
    base = f"v0:{timestamp}:".encode() + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def test_a_request_signed_as_slack_signs_is_accepted() -> None:
    body = b"payload=%7B%22type%22%3A%22message_action%22%7D"
    verify_slack_request(SECRET, str(int(NOW)), slack_signs(body, str(int(NOW))), body, NOW)
    assert expected_signature(SECRET, "1", body) == slack_signs(body, "1")


@pytest.mark.parametrize(
    ("timestamp", "signature", "body", "why"),
    [
        (None, "v0=abc", b"x", "missing"),
        (str(int(NOW)), None, b"x", "missing"),
        ("yesterday", "v0=abc", b"x", "malformed timestamp"),
        (str(int(NOW) - 301), "sign", b"x", "stale"),
        (str(int(NOW) + 301), "sign", b"x", "stale"),
        (str(int(NOW)), "v0=" + "0" * 64, b"x", "mismatch"),
    ],
)
def test_unsigned_stale_or_forged_requests_are_refused(
    timestamp: str | None, signature: str | None, body: bytes, why: str
) -> None:
    if signature == "sign":
        signature = slack_signs(body, str(timestamp))
    with pytest.raises(RequestNotFromSlack, match=why):
        verify_slack_request(SECRET, timestamp, signature, body, NOW)


def test_a_signature_for_another_body_or_secret_is_refused() -> None:
    timestamp = str(int(NOW))
    signed = slack_signs(b'{"type":"url_verification"}', timestamp)
    with pytest.raises(RequestNotFromSlack):
        verify_slack_request(SECRET, timestamp, signed, b'{"type":"url_verification","x":1}', NOW)
    with pytest.raises(RequestNotFromSlack):
        verify_slack_request("other", timestamp, signed, b'{"type":"url_verification"}', NOW)


def test_no_secret_configured_refuses_everything() -> None:
    with pytest.raises(RequestNotFromSlack, match="no signing secret"):
        verify_slack_request("", "1", "v0=x", b"", NOW)


@given(body=st.binary(max_size=2048), signature=st.text(max_size=80))
def test_random_bodies_and_signatures_never_pass_or_crash(body: bytes, signature: str) -> None:
    timestamp = str(int(time.time()))
    if signature == slack_signs(body, timestamp):
        return
    with pytest.raises(RequestNotFromSlack):
        verify_slack_request(SECRET, timestamp, signature, body, time.time())


def test_a_body_over_the_limit_is_too_large_not_unsigned() -> None:
    body = b"x" * (MAX_BODY_BYTES + 1)
    with pytest.raises(RequestTooLarge, match="over 1048576 bytes"):
        verify_slack_request(SECRET, str(int(NOW)), slack_signs(body, str(int(NOW))), body, NOW)
