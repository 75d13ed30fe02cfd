"""Slack's request signing, checked on the raw body before anything is parsed.

https://api.slack.com/authentication/verifying-requests-from-slack: HMAC-SHA256 of
`v0:{timestamp}:{raw body}` with the signing secret, sent as `X-Slack-Signature: v0=<hex>`.
No request type skips this — not even one that looks like `url_verification`.
"""

from __future__ import annotations

import hashlib
import hmac

MAX_CLOCK_SKEW_SECONDS = 300
#: Slack's largest request: a shortcut on the longest message Slack allows (40 000 characters,
#: up to 4 bytes each in UTF-8, form-encoded up to 3× more) plus its blocks fits in 1 MiB.
MAX_BODY_BYTES = 1024 * 1024


class RequestNotFromSlack(Exception):
    """Unsigned, badly signed or stale: answer 401 and do nothing."""


class SignedWithAnotherSecret(RequestNotFromSlack):
    """No secret, or a signature made with another one: perhaps a secret stored since it was
    read (the webhook reads it again, rate-limited, before refusing)."""


class RequestTooLarge(Exception):
    """Over MAX_BODY_BYTES: answer 413 (not 401: it may well be Slack's) and do nothing."""


class MalformedPayload(ValueError):
    """Signed by Slack, yet not something we can read: answer 400 and do nothing."""


def expected_signature(secret: str, timestamp: str, body: bytes) -> str:
    base = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def verify_slack_request(
    secret: str, timestamp: str | None, signature: str | None, body: bytes, now: float
) -> None:
    if not secret:
        raise SignedWithAnotherSecret("no signing secret is configured")
    if len(body) > MAX_BODY_BYTES:
        raise RequestTooLarge(f"request body over {MAX_BODY_BYTES} bytes")
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
        raise SignedWithAnotherSecret("signature mismatch")
