"""Our hand-written Slack signature check (written for cold-start speed) agrees with the
official one, slack_sdk's SignatureVerifier, on the same requests: one signer typed twice
would prove nothing, so the judge here is Slack's own SDK."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from slack_sdk.signature import Clock, SignatureVerifier

from emoji_smith.domain.slack_requests import (
    MAX_BODY_BYTES,
    RequestNotFromSlack,
    verify_slack_request,
)

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
NOW = 1_800_000_000
BODY = b"payload=%7B%22type%22%3A%22message_action%22%2C%22callback_id%22%3A%22create_emoji%22%7D"


class _Clock(Clock):
    def __init__(self, now: int) -> None:
        self._now = now

    def now(self) -> float:
        return self._now


def sdk_signs(body: bytes, timestamp: str, secret: str = SECRET) -> str:
    signature = SignatureVerifier(secret).generate_signature(timestamp=timestamp, body=body)
    assert signature is not None
    return signature


def sdk_accepts(body: bytes, timestamp: str | None, signature: str | None) -> bool:
    """slack_sdk's verdict; where it raises (a timestamp `int` cannot read, a non-ASCII
    signature), the request is refused, as Bolt refuses it."""
    try:
        return SignatureVerifier(SECRET, clock=_Clock(NOW)).is_valid(body, timestamp, signature)
    except (ValueError, TypeError):
        return False


def we_accept(body: bytes, timestamp: str | None, signature: str | None) -> bool:
    try:
        verify_slack_request(SECRET, timestamp, signature, body, float(NOW))
    except RequestNotFromSlack:
        return False
    return True


T = str(NOW)
CASES = {
    "valid": (BODY, T, sdk_signs(BODY, T)),
    "tampered body": (BODY + b"x", T, sdk_signs(BODY, T)),
    "a newline added to the body": (BODY + b"\n", T, sdk_signs(BODY, T)),
    "wrong secret": (BODY, T, sdk_signs(BODY, T, secret="another-secret")),
    "five minutes old, to the second": (BODY, str(NOW - 300), sdk_signs(BODY, str(NOW - 300))),
    "five minutes and a second old": (BODY, str(NOW - 301), sdk_signs(BODY, str(NOW - 301))),
    "five minutes and a second ahead": (BODY, str(NOW + 301), sdk_signs(BODY, str(NOW + 301))),
    "a day old (replayed)": (BODY, str(NOW - 86_400), sdk_signs(BODY, str(NOW - 86_400))),
    "timestamp changed after signing": (BODY, str(NOW - 1), sdk_signs(BODY, T)),
    "no timestamp": (BODY, None, sdk_signs(BODY, T)),
    "no signature": (BODY, T, None),
    "malformed timestamp": (BODY, "yesterday", sdk_signs(BODY, "yesterday")),
    "v1 scheme": (BODY, T, "v1=" + sdk_signs(BODY, T).removeprefix("v0=")),
    "upper-case hex": (BODY, T, "v0=" + sdk_signs(BODY, T).removeprefix("v0=").upper()),
    "truncated signature": (BODY, T, sdk_signs(BODY, T)[:-1]),
    "non-ASCII signature": (BODY, T, "v0=é" + sdk_signs(BODY, T)[4:]),
    "empty body": (b"", T, sdk_signs(b"", T)),
    "UTF-8 body": ("text=café ☕".encode(), T, sdk_signs("text=café ☕".encode(), T)),
    "JSON event": (b'{"type":"url_verification"}', T, sdk_signs(b'{"type":"url_verification"}', T)),
}


@pytest.mark.parametrize("case", list(CASES))
def test_ours_and_slack_sdks_verifier_agree(case: str) -> None:
    body, timestamp, signature = CASES[case]
    assert we_accept(body, timestamp, signature) == sdk_accepts(body, timestamp, signature)


def test_the_cases_cover_both_verdicts() -> None:
    verdicts = {case: sdk_accepts(*CASES[case]) for case in CASES}
    accepted = {case for case, ok in verdicts.items() if ok}
    assert accepted == {
        "valid",
        "five minutes old, to the second",
        "empty body",
        "UTF-8 body",
        "JSON event",
    }


@given(
    body=st.text(max_size=2000).map(str.encode),
    skew=st.integers(min_value=-1000, max_value=1000),
    signed_by=st.sampled_from([SECRET, SECRET + "x", "another"]),
    tamper=st.booleans(),
)
def test_any_request_gets_the_same_verdict(
    body: bytes, skew: int, signed_by: str, tamper: bool
) -> None:
    # GIVEN a request signed (by the right secret or not) at some time around now
    timestamp = str(NOW + skew)
    signature = sdk_signs(body, timestamp, signed_by)
    sent = body + b"&x=1" if tamper else body
    # THEN both verifiers give the same verdict
    assert we_accept(sent, timestamp, signature) == sdk_accepts(sent, timestamp, signature)


def test_where_ours_is_stricter_on_purpose() -> None:
    # A body over 1 MiB is refused before any HMAC is computed (slack_sdk would verify it):
    # Slack sends nothing that large.
    big = b"x" * (MAX_BODY_BYTES + 1)
    assert sdk_accepts(big, T, sdk_signs(big, T))
    with pytest.raises(Exception, match="over"):
        verify_slack_request(SECRET, T, sdk_signs(big, T), big, float(NOW))
