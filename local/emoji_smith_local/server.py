"""`emoji-smith serve`: the webhook on a local HTTP port, running the workflow on the embedded
AWS. Point a tunnel at it and set `http(s)://…/slack/events` as the app's Request URL."""

from __future__ import annotations

import base64
import json
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

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


OPS_PREFIX = "/ops/"


def make_server(aws: LocalAWS, host: str, port: int) -> ThreadingHTTPServer:
    from emoji_smith_local.ops import Operations, StackNames

    operations = Operations(StackNames.from_physical_ids(aws.physical_ids))

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.do_POST()

        def _ops(self) -> None:
            """`emoji-smith ops` against this embedded stack (loopback only)."""
            if not self.client_address[0].startswith("127."):
                self._send(403, {"error": "ops only from this machine"})
                return
            url = urlsplit(self.path)
            query = {k: v[0] for k, v in parse_qs(url.query).items()}
            command = url.path.removeprefix(OPS_PREFIX)
            with aws.function_environment("RetryFailedJobsFunction"):
                if command == "failed":
                    result: Any = operations.failed()
                elif command == "retry":
                    result = operations.retry(dry_run=query.get("dry_run") == "1")
                elif command == "replay":
                    result = operations.replay(query.get("execution", ""))
                elif command == "circuit":
                    result = operations.circuit(reset=query.get("reset") == "1")
                else:
                    self._send(404, {"error": f"unknown ops command {command}"})
                    return
            self._send(200, result)

        def do_POST(self) -> None:
            if self.path.startswith(OPS_PREFIX):
                self._ops()
                return
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

        def _send(self, status: int, body: Any) -> None:
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
