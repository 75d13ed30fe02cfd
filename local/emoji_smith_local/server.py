"""`emoji-smith serve`'s front: the webhook on a local HTTP port, in a process of its own, as the
webhook Lambda is separate from Step Functions in AWS. It calls the embedded AWS (in the serve
process, which runs the workflow) over HTTP, so a burst of running jobs never holds up Slack's
acknowledgements. Point a tunnel at it and set `http(s)://…/slack/events` as the Request URL.

    python -m emoji_smith_local.server --host H --port P --stack JSON --retry-minutes N
(started by `emoji-smith serve`, with the webhook function's environment.)"""

from __future__ import annotations

import base64
import hmac
import json
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from emoji_smith.domain.slack_requests import MAX_BODY_BYTES

EVENTS_PATH = "/slack/events"
#: Operator endpoints exist only when `serve` runs with this variable set, and need its value.
OPS_TOKEN_VARIABLE = "EMOJI_SMITH_OPS_TOKEN"  # noqa: S105 (a variable name, not its value)


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


def make_server(
    host: str, port: int, physical_ids: dict[str, str], ops_token: str | None = None
) -> ThreadingHTTPServer:
    """`ops_token`: the operator endpoints' shared secret; without one they do not exist (a
    tunnel to `serve` must not make replay or circuit reset public)."""
    from emoji_smith.handlers.webhook import handler as webhook
    from emoji_smith_local.ops import Operations, StackNames

    operations = Operations(StackNames.from_physical_ids(physical_ids))

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path.startswith(OPS_PREFIX) and not ops_token:
                self._send(404, {"error": "not found"})
                return
            self._send(405, {"error": "POST only"})

        def _ops(self) -> None:
            """`emoji-smith ops` against this embedded stack: POST with the operator token."""
            if not ops_token:
                self._send(404, {"error": "not found"})
                return
            given = self.headers.get("Authorization", "").removeprefix("Bearer ")
            if not hmac.compare_digest(given.encode(), ops_token.encode()):
                self._send(401, {"error": f"the operator token ({OPS_TOKEN_VARIABLE}) is needed"})
                return
            url = urlsplit(self.path)
            query = {k: v[0] for k, v in parse_qs(url.query).items()}
            command = url.path.removeprefix(OPS_PREFIX)
            try:
                self._run_ops(command, query)
            except LookupError as error:  # ops.NoSuchJob
                self._send(404, {"error": str(error)})
            except Exception as error:  # answered, never a dropped connection
                self._send(500, {"error": f"{type(error).__name__}: {error}"})

        def _run_ops(self, command: str, query: dict[str, str]) -> None:
            if command == "failed":
                result: Any = operations.failed()
            elif command == "retry":
                result = operations.retry(dry_run=query.get("dry_run") == "1")
            elif command == "replay":
                result = operations.replay(query.get("execution", ""))
            elif command == "circuit":
                result = operations.circuit(reset=query.get("reset") == "1")
            elif command == "usage":
                result = operations.usage(query.get("month", ""))
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
            body = self._body()
            if body is None:
                return
            event = function_url_event(self.path, dict(self.headers.items()), body)
            try:
                result = webhook(event, None)
            except Exception as error:  # Lambda answers a raising handler's request with 502
                self._send(502, {"error": type(error).__name__})
                return
            body = str(result.get("body") or "").encode()
            self.send_response(int(result["statusCode"]))
            for key, value in (result.get("headers") or {}).items():
                self.send_header(key, str(value))
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _body(self) -> bytes | None:
            """Exactly Content-Length bytes, at most the webhook's limit; whatever the headers
            say, nothing more is read (None: answered already)."""
            raw = self.headers.get("Content-Length")
            if raw is None or self.headers.get("Transfer-Encoding"):
                self._send(411, {"error": "Content-Length required"})
                return None
            try:
                length = int(raw)
            except ValueError:
                length = -1
            if length < 0:
                self._send(400, {"error": "Content-Length is not a length"})
                return None
            if length > MAX_BODY_BYTES:
                self._send(413, {"error": f"request over {MAX_BODY_BYTES} bytes"})
                return None
            return self.rfile.read(length)

        def _send(self, status: int, body: Any) -> None:
            payload = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:
            print(f"  {self.address_string()} {format % args}", flush=True)

    return _BurstServer((host, port), Handler)


class _BurstServer(ThreadingHTTPServer):
    """A thread per request, and a listen backlog that takes a burst (the standard library's
    default of 5 resets connections when a channel's worth of members submit at once)."""

    request_queue_size = 1024
    daemon_threads = True


def main(argv: list[str] | None = None) -> int:
    import argparse
    import os

    parser = argparse.ArgumentParser(prog="emoji_smith_local.server")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=3000)
    parser.add_argument("--stack", required=True, help="the embedded stack's physical ids (JSON)")
    parser.add_argument("--retry-minutes", type=float, required=True)
    args = parser.parse_args(argv)
    server = make_server(
        args.host, args.port, json.loads(args.stack), os.environ.get(OPS_TOKEN_VARIABLE)
    )
    host, port = str(server.server_address[0]), int(server.server_address[1])
    print(f"Emoji Smith webhook on http://{host}:{port}{EVENTS_PATH} (Ctrl-C stops)", flush=True)
    print(
        f"  Jobs live in memory (lost on restart); failed jobs are retried every "
        f"{args.retry_minutes:g} min.",
        flush=True,
    )
    _stop_when_orphaned(server)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


def _stop_when_orphaned(server: ThreadingHTTPServer, every_seconds: float = 1.0) -> None:
    """If `serve` (the parent, which holds the embedded AWS) dies without stopping us, stop:
    a webhook whose workflow is gone would only answer errors on a port nobody can reclaim."""
    import os
    import threading

    parent = os.getppid()

    def watch() -> None:
        while not stopped.wait(every_seconds):
            if os.getppid() != parent:
                server.shutdown()
                return

    stopped = threading.Event()
    threading.Thread(target=watch, daemon=True, name="parent-watch").start()


if __name__ == "__main__":
    raise SystemExit(main())
