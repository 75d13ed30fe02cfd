"""Webhook: Slack's one Request URL (a Lambda Function URL).

The signature is verified on the decoded raw body before anything is parsed; no request type
skips it. Then the request is parsed once into a typed payload (`domain.slack_payloads`; a
malformed one is a 400) and answered by a use case (`application.webhook`) with the container's
`Ports`. Imports are kept slim (the rest loads on first use) because Slack's `trigger_id`
expires 3 s after the click, cold start included.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import time
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from emoji_smith.bootstrap import ports
from emoji_smith.domain.slack_requests import (
    MalformedPayload,
    RequestNotFromSlack,
    RequestTooLarge,
    SignedWithAnotherSecret,
    verify_slack_request,
)

if TYPE_CHECKING:
    from emoji_smith.ports import Ports

logger = logging.getLogger("emoji_smith.webhook")
logger.setLevel(logging.INFO)

Response = dict[str, Any]


MalformedRequest = MalformedPayload


def handler(event: dict[str, Any], context: Any) -> Response:
    wired = ports()
    headers = {str(k).lower(): str(v) for k, v in (event.get("headers") or {}).items()}
    try:
        body = _raw_body(event)
        _verify(wired, headers, body)
    except RequestNotFromSlack as refusal:
        logger.warning("Refused a request not from Slack: %s", refusal)
        return _respond(401, {"error": "request not signed by Slack"})
    except RequestTooLarge as refusal:
        logger.warning("Refused a request: %s", refusal)
        return _respond(413, {"error": str(refusal)})
    except MalformedRequest as problem:
        return _respond(400, {"error": str(problem)})
    try:
        return _route(wired, body, headers.get("content-type", ""))
    except MalformedRequest as problem:
        logger.warning("Signed but malformed request: %s", problem)
        return _respond(400, {"error": str(problem)})


def _verify(wired: Ports, headers: dict[str, str], body: bytes) -> None:
    """Slack's signature, with the cached secret; on a mismatch, once more with the secret read
    again (rate-limited in `bootstrap`): a secret stored just now works on Slack's next try."""
    timestamp, signature = (
        headers.get("x-slack-request-timestamp"),
        headers.get("x-slack-signature"),
    )
    try:
        secret = wired.secret("SLACK_SIGNING_SECRET") or ""
        verify_slack_request(secret, timestamp, signature, body, time.time())
    except SignedWithAnotherSecret:
        again = wired.secret_again("SLACK_SIGNING_SECRET")
        if again is None or again == secret:
            raise
        verify_slack_request(again, timestamp, signature, body, time.time())
        logger.info("The signing secret changed since it was read: the new one is used")


def _raw_body(event: dict[str, Any]) -> bytes:
    raw = event.get("body") or ""
    if not isinstance(raw, str):
        raise MalformedRequest("body is not text")
    if event.get("isBase64Encoded"):
        try:
            return base64.b64decode(raw, validate=True)
        except (binascii.Error, ValueError):
            raise MalformedRequest("body is not valid base64") from None
    return raw.encode("utf-8", errors="surrogateescape")


def _strict_json(text: str | bytes) -> Any:
    """JSON that refuses duplicate keys: one reading of a payload, never two."""

    def no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        keys = [key for key, _ in pairs]
        if len(keys) != len(set(keys)):
            raise MalformedRequest("duplicate keys in JSON")
        return dict(pairs)

    try:
        return json.loads(text, object_pairs_hook=no_duplicates)
    except (ValueError, UnicodeDecodeError) as error:
        raise MalformedRequest(f"invalid JSON: {error}") from None


def _route(wired: Ports, body: bytes, content_type: str) -> Response:
    if content_type.startswith("application/json"):
        document = _strict_json(body)
        if isinstance(document, dict) and document.get("type") == "url_verification":
            return _respond(200, {"challenge": str(document.get("challenge", ""))})
        if isinstance(document, dict) and document.get("type") == "event_callback":
            from emoji_smith.application.webhook.routes import answer_event
            from emoji_smith.domain.slack_payloads import parse_event

            answer_event(wired, parse_event(document))
        return _respond(200)
    try:
        fields = parse_qs(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
    except UnicodeDecodeError:
        raise MalformedRequest("form body is not UTF-8") from None
    if "ssl_check" in fields:
        return _respond(200)
    if "command" in fields:  # a slash command: its fields are the form itself
        from emoji_smith.application.webhook.routes import answer_command
        from emoji_smith.domain.slack_payloads import parse_command

        command = {key: values[0] for key, values in fields.items() if len(values) == 1}
        return _respond(200, answer_command(wired, parse_command(command)))
    if len(fields.get("payload", [])) != 1:
        raise MalformedRequest("expected exactly one payload field")
    payload = _strict_json(fields["payload"][0])
    if not isinstance(payload, dict):
        raise MalformedRequest("payload is not an object")

    from emoji_smith.application.webhook.routes import answer_interaction
    from emoji_smith.domain.slack_payloads import parse_interaction

    return _respond(200, answer_interaction(wired, parse_interaction(payload)))


def _respond(status: int, body: dict[str, Any] | None = None) -> Response:
    return {
        "statusCode": status,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps(body) if body is not None else "",
    }
