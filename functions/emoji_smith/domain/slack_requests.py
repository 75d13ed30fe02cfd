"""Slack's request signing, checked on the raw body before anything is parsed.

https://api.slack.com/authentication/verifying-requests-from-slack: HMAC-SHA256 of
`v0:{timestamp}:{raw body}` with the signing secret, sent as `X-Slack-Signature: v0=<hex>`.
No request type skips this — not even one that looks like `url_verification`.
"""

from __future__ import annotations

import hashlib
import hmac

MAX_CLOCK_SKEW_SECONDS = 300
MAX_BODY_BYTES = 64 * 1024


class RequestNotFromSlack(Exception):
    """Unsigned, badly signed, stale or oversized: answer 401 and do nothing."""


def expected_signature(secret: str, timestamp: str, body: bytes) -> str:
    base = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def verify_slack_request(
    secret: str, timestamp: str | None, signature: str | None, body: bytes, now: float
) -> None:
    if not secret:
        raise RequestNotFromSlack("no signing secret is configured")
    if len(body) > MAX_BODY_BYTES:
        raise RequestNotFromSlack("request body too large")
    if not timestamp or not signature:
        raise RequestNotFromSlack("missing signature headers")
    try:
        sent_at = int(timestamp)
    except ValueError:
        raise RequestNotFromSlack("malformed timestamp") from None
    if abs(now - sent_at) > MAX_CLOCK_SKEW_SECONDS:
        raise RequestNotFromSlack("stale timestamp")
    if not hmac.compare_digest(
        expected_signature(secret, timestamp, body).encode(), signature.encode(errors="replace")
    ):
        raise RequestNotFromSlack("signature mismatch")
