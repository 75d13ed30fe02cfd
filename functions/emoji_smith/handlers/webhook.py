"""Webhook: Slack's one Request URL (a Lambda Function URL).

The signature is verified on the decoded raw body before anything is parsed; no request type
skips it. Then the request is parsed once into a typed payload (`domain.slack_payloads`; a
malformed one is a 400) and answered by a use case (`application.webhook`) with the container's
`Ports` — in distribution mode the Ports of the payload's signed `team_id`, so Slack is called
with that workspace's token (a team named anywhere else in a payload is never used for this).
Imports are kept slim (the rest loads on first use) because Slack's `trigger_id` expires 3 s
after the click, cold start included.

Distribution mode also serves two browser pages, unsigned by nature: GET /slack/install (the
Add to Slack link) and GET /slack/oauth_redirect (Slack's redirect back, checked by its state).
"""

from __future__ import annotations

import binascii
import json
import logging
import time
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

# The webhook's container: a workspace's saved settings trusted 5 s (bootstrap's cache policy).
from emoji_smith.bootstrap import webhook_ports as ports
from emoji_smith.domain.form_encoding import form_fields
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


INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"
#: The install's state, kept in the browser that opened the install page for 10 minutes.
STATE_COOKIE = "emoji-smith-install-state"


def handler(event: dict[str, Any], context: Any) -> Response:
    wired = ports()
    headers = {str(k).lower(): str(v) for k, v in (event.get("headers") or {}).items()}
    method = str(((event.get("requestContext") or {}).get("http") or {}).get("method") or "POST")
    if method == "GET":
        return _page(wired, str(event.get("rawPath") or ""), event, headers)
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


def _page(wired: Ports, path: str, event: dict[str, Any], headers: dict[str, str]) -> Response:
    """The install pages (distribution mode only; anything else is not found)."""
    if path not in (INSTALL_PATH, REDIRECT_PATH) or not wired.distribution():
        return _respond(404, {"error": "not found"})
    from emoji_smith.application import installing

    query = {k: v[0] for k, v in parse_qs(str(event.get("rawQueryString") or "")).items()}
    base = _public_url(event)
    secure = base.startswith("https://")
    redirect_uri = base + REDIRECT_PATH
    oauth = wired.slack_oauth(redirect_uri)
    now = int(time.time())
    cookie = f"; Path=/slack/; HttpOnly; SameSite=Lax{'; Secure' if secure else ''}"
    if path == INSTALL_PATH:
        page = installing.install_page(oauth, wired.oauth_states(), now, query.get("team", ""))
        set_cookie = f"{STATE_COOKIE}={page.state}; Max-Age=600{cookie}"
    else:
        page = installing.finish_install(
            query,
            oauth,
            wired.oauth_states(),
            wired.installations(),
            now,
            browser_state=_cookies(event, headers).get(STATE_COOKIE, ""),
        )
        set_cookie = f"{STATE_COOKIE}=; Max-Age=0{cookie}"
    return {
        "statusCode": page.status,
        "headers": {"Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store"},
        "cookies": [set_cookie],
        "body": page.html,
    }


def _public_url(event: dict[str, Any]) -> str:
    """Where Slack sends the browser back: the configured public URL, else the Function URL's
    own domain as Lambda gives it (serve gives its loopback address, on plain HTTP). Never the
    request's Host or X-Forwarded-Proto header, which a client chooses."""
    from emoji_smith.settings import get_settings

    configured = get_settings().public_url.rstrip("/")
    if configured:
        return configured
    domain = str((event.get("requestContext") or {}).get("domainName") or "")
    local = domain.rpartition(":")[0].strip("[]") in ("127.0.0.1", "localhost", "::1")
    return f"{'http' if local else 'https'}://{domain}"


def _cookies(event: dict[str, Any], headers: dict[str, str]) -> dict[str, str]:
    """A Function URL gives the request's cookies as a list; a plain server as a header."""
    pairs = list(event.get("cookies") or []) + headers.get("cookie", "").split(";")
    found = (pair.strip().partition("=") for pair in pairs if "=" in pair)
    return {name: value for name, _, value in found}


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
        try:  # strict: only the alphabet, padded right (the C check; validate=True is a regex)
            return binascii.a2b_base64(raw, strict_mode=True)
        except (binascii.Error, ValueError):
            raise MalformedRequest("body is not valid base64") from None
    return raw.encode("utf-8", errors="surrogateescape")


def _strict_json(text: str | bytes) -> Any:
    """JSON that refuses duplicate keys: one reading of a payload, never two."""

    def no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        document = dict(pairs)
        if len(document) != len(pairs):
            raise MalformedRequest("duplicate keys in JSON")
        return document

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
            from emoji_smith.domain.slack_payloads import AppGone, parse_event

            event = parse_event(document)
            if isinstance(event, AppGone) and wired.distribution():
                from emoji_smith.application.installing import uninstall

                uninstall(wired.installations(), *event.installation)  # the org's, or the team's
                answer_event(wired, event)
            else:
                answer_event(_for_team(wired, event), event)
        return _respond(200)
    try:
        fields = form_fields(body.decode("utf-8"))  # parse_qs's reading, ~8x faster
    except UnicodeDecodeError:
        raise MalformedRequest("form body is not UTF-8") from None
    if "ssl_check" in fields:
        return _respond(200)
    if "command" in fields:  # a slash command: its fields are the form itself
        from emoji_smith.application.webhook.routes import answer_command
        from emoji_smith.domain.slack_payloads import parse_command

        command = {key: values[0] for key, values in fields.items() if len(values) == 1}
        parsed_command = parse_command(command)
        return _respond(200, answer_command(_for_team(wired, parsed_command), parsed_command))
    if len(fields.get("payload", [])) != 1:
        raise MalformedRequest("expected exactly one payload field")
    payload = _strict_json(fields["payload"][0])
    if not isinstance(payload, dict):
        raise MalformedRequest("payload is not an object")

    from emoji_smith.application.webhook.routes import answer_interaction
    from emoji_smith.domain.slack_payloads import parse_interaction

    interaction = parse_interaction(payload)
    return _respond(200, answer_interaction(_for_team(wired, interaction), interaction))


def _for_team(wired: Ports, signed: object) -> Ports:
    """The signed payload's workspace and Grid org (distribution mode); the same Ports
    otherwise."""
    team = getattr(signed, "team", "")
    if not (team and wired.distribution()):
        return wired
    return wired.for_team(team, getattr(signed, "enterprise", ""))


def _respond(status: int, body: dict[str, Any] | None = None) -> Response:
    return {
        "statusCode": status,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps(body) if body is not None else "",
    }
