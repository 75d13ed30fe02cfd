"""`emoji-smith serve`: the webhook on a local HTTP port, running the workflow on the embedded
AWS. Point a tunnel at it and set `http(s)://…/slack/events` as the app's Request URL."""

from __future__ import annotations

import base64
import json
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from emoji_smith_local.runtime import LocalAWS

EVENTS_PATH = "/slack/events"
MAX_BODY = 1024 * 1024


def function_url_event(path: str, headers: dict[str, str], body: bytes) -> dict[str, Any]:
    """The request as a Lambda Function URL delivers it (payload format 2.0)."""
    return {
        "version": "2.0",
        "rawPath": path,
        "headers": {key.lower(): value for key, value in headers.items()},
        "body": base64.b64encode(body).decode(),
        "isBase64Encoded": True,
        "requestContext": {"http": {"method": "POST", "path": path}},
    }


def make_server(aws: LocalAWS, host: str, port: int) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            if self.path.split("?", 1)[0] != EVENTS_PATH:
                self._send(404, {"error": f"POST {EVENTS_PATH}"})
                return
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_BODY:
                self._send(413, {"error": "request too large"})
                return
            event = function_url_event(
                self.path, dict(self.headers.items()), self.rfile.read(length)
            )
            result = aws.invoke("WebhookFunction", event)
            if "statusCode" not in result:  # the handler raised: Lambda's error document
                self._send(500, {"error": result.get("errorType", "error")})
                return
            body = str(result.get("body") or "").encode()
            self.send_response(int(result["statusCode"]))
            for key, value in (result.get("headers") or {}).items():
                self.send_header(key, str(value))
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _send(self, status: int, body: dict[str, Any]) -> None:
            payload = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:
            print(f"  {self.address_string()} {format % args}", flush=True)

    server = ThreadingHTTPServer((host, port), Handler)
    server.daemon_threads = True
    return server
