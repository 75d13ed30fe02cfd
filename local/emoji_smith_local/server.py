"""`emoji-smith serve`'s front: the webhook on a local HTTP port, in a process of its own, as the
webhook Lambda is separate from Step Functions in AWS. It calls the embedded AWS (in the serve
process, which runs the workflow) over HTTP, so a burst of running jobs never holds up Slack's
acknowledgements. Point a tunnel at it and set `http(s)://…/slack/events` as the Request URL.

    python -m emoji_smith_local.server --host H --port P --stack JSON --retry-minutes N
(started by `emoji-smith serve`, with the webhook function's environment.)
One module (over 250 lines): the routes and the guards a public tunnel needs (slow or oversized
requests, bounded threads) are one server."""

from __future__ import annotations

import base64
import hmac
import io
import json
import selectors
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any, cast
from urllib.parse import parse_qs, urlsplit

from emoji_smith.domain.slack_requests import MAX_BODY_BYTES

EVENTS_PATH = "/slack/events"
#: Distribution mode's browser pages (the install link, Slack's redirect back): GET, unsigned.
INSTALL_PATHS = ("/slack/install", "/slack/oauth_redirect")
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
) -> GuardedServer:
    """`ops_token`: the operator endpoints' shared secret; without one they do not exist (a
    tunnel to `serve` must not make replay or circuit reset public)."""
    from emoji_smith.handlers.webhook import handler as webhook
    from emoji_smith_local.ops import Operations, StackNames

    operations = Operations(StackNames.from_physical_ids(physical_ids))

    class Handler(ReadAheadHandler):
        def do_GET(self) -> None:
            url = urlsplit(self.path)
            if url.path in INSTALL_PATHS:
                headers = {key.lower(): value for key, value in self.headers.items()}
                event = function_url_event(url.path, headers, b"")
                event["rawQueryString"] = url.query
                event["requestContext"]["http"]["method"] = "GET"
                # serve's own address, as Lambda gives a Function URL's domain: never the
                # client's Host header (a tunnel's client chooses it).
                bound = self.server.server_address
                if isinstance(bound, tuple):
                    event["requestContext"]["domainName"] = f"{bound[0]}:{bound[1]}"
                self._webhook(event)
                return
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
            elif command == "forget-member" and query.get("user"):
                result = operations.forget_member(query["user"], query.get("team", ""))
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
            self._webhook(function_url_event(self.path, dict(self.headers.items()), body))

        def _webhook(self, event: dict[str, Any]) -> None:
            try:
                result = webhook(event, None)
            except Exception as error:  # Lambda answers a raising handler's request with 502
                self._send(502, {"error": type(error).__name__})
                return
            body = str(result.get("body") or "").encode()
            self.send_response(int(result["statusCode"]))
            for key, value in (result.get("headers") or {}).items():
                self.send_header(key, str(value))
            for cookie in result.get("cookies") or []:  # a Function URL's Set-Cookie headers
                self.send_header("Set-Cookie", str(cookie))
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

    return GuardedServer((host, port), Handler)


#: A client gets this long to send its request line, headers and body (Slack sends them at
#: once): a slow-loris or an idle connection is closed when it runs out, holding no thread.
READ_SECONDS = 5.0
#: Open connections at most, one file handle each. A new one beyond it makes room by closing the
#: connection that has been sending for longest; when all are being answered, it gets a 503.
MAX_CONNECTIONS = 256
#: Requests answered at once, one thread each (a burst of submissions waits on the embedded
#: AWS, not on CPU); complete requests beyond it wait their turn.
MAX_WORKERS = 128
#: Request line and headers at most (Slack's are a few hundred bytes).
MAX_HEAD_BYTES = 16 * 1024


class ReadAheadHandler(BaseHTTPRequestHandler):
    """Reads the request the server received in full before giving it a thread."""

    timeout = 10  # a client that stops reading the answer does not hold the thread forever

    def setup(self) -> None:
        super().setup()
        self.rfile = io.BytesIO(cast("GuardedServer", self.server).received(self.connection))


@dataclass
class _Arriving:
    """A connection whose request is still being received."""

    connection: socket.socket
    address: Any
    deadline: float
    data: bytearray = field(default_factory=bytearray)
    #: Bytes that make the whole request, once the headers say (None: headers not complete).
    wanted: int | None = None


class GuardedServer(HTTPServer):
    """`serve` may sit behind a public tunnel: requests are received by one selector loop with
    a deadline (`READ_SECONDS`), and only complete ones reach a bounded pool of threads
    (`MAX_WORKERS`); open connections are capped (`MAX_CONNECTIONS`). The standard library's
    threading server gave every connection a thread and no timeout."""

    request_queue_size = 1024  # a channel's burst of submissions is not reset at connect

    def __init__(self, address: tuple[str, int], handler: type[ReadAheadHandler]) -> None:
        super().__init__(address, handler)
        self.socket.setblocking(False)
        self._arriving: dict[socket.socket, _Arriving] = {}
        self._complete: dict[socket.socket, bytes] = {}
        self._answering = 0
        self._lock = threading.Lock()
        self._workers = ThreadPoolExecutor(MAX_WORKERS, thread_name_prefix="webhook")
        self._stop = threading.Event()
        self._stopped = threading.Event()
        self._stopped.set()

    def open_connections(self) -> int:
        with self._lock:
            return len(self._arriving) + self._answering

    def received(self, connection: socket.socket) -> bytes:
        return self._complete.pop(connection, b"")

    def serve_forever(self, poll_interval: float = 0.5) -> None:
        self._stopped.clear()
        with selectors.DefaultSelector() as selector:
            selector.register(self.socket, selectors.EVENT_READ)
            try:
                while not self._stop.is_set():
                    for key, _ in selector.select(min(poll_interval, 0.25)):
                        if key.fileobj is self.socket:
                            self._accept(selector)
                        else:
                            self._receive(selector, cast("socket.socket", key.fileobj))
                    self._close_late(selector)
            finally:
                for connection in list(self._arriving):
                    self._close(selector, connection)
                self._stopped.set()

    def shutdown(self) -> None:
        self._stop.set()
        self._stopped.wait()

    def server_close(self) -> None:
        super().server_close()
        self._workers.shutdown(wait=False, cancel_futures=True)

    def _accept(self, selector: selectors.BaseSelector) -> None:
        while True:
            try:
                connection, address = self.socket.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError:  # out of file handles, or the client gave up already
                return
            if self.open_connections() >= MAX_CONNECTIONS and not self._make_room(selector):
                _refuse(connection, b"503 Service Unavailable")
                continue
            connection.setblocking(False)
            with self._lock:
                self._arriving[connection] = _Arriving(
                    connection, address, time.monotonic() + READ_SECONDS
                )
            selector.register(connection, selectors.EVENT_READ)

    def _make_room(self, selector: selectors.BaseSelector) -> bool:
        """Close the connection that has been sending for longest (False: none is sending)."""
        if not self._arriving:
            return False
        oldest = min(self._arriving.values(), key=lambda arriving: arriving.deadline)
        self._close(selector, oldest.connection)
        return True

    def _receive(self, selector: selectors.BaseSelector, connection: socket.socket) -> None:
        arriving = self._arriving[connection]
        try:
            chunk = connection.recv(65536)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            chunk = b""
        if not chunk:  # the client closed it
            self._close(selector, connection)
            return
        arriving.data += chunk
        if arriving.wanted is None:
            end = arriving.data.find(b"\r\n\r\n")
            if end < 0:
                if len(arriving.data) > MAX_HEAD_BYTES:
                    selector.unregister(connection)
                    self._forget(connection)
                    _refuse(connection, b"431 Request Header Fields Too Large")
                return
            arriving.wanted = end + 4 + _body_length(bytes(arriving.data[:end]))
        if len(arriving.data) >= arriving.wanted:
            selector.unregister(connection)
            self._forget(connection)
            connection.setblocking(True)
            self._complete[connection] = bytes(arriving.data)
            with self._lock:
                self._answering += 1
            self._workers.submit(self._answer, connection, arriving.address)

    def _answer(self, connection: socket.socket, address: Any) -> None:
        try:
            self.finish_request(connection, address)
        except Exception:  # one broken connection never stops the server
            self.handle_error(connection, address)
        finally:
            self._complete.pop(connection, None)
            self.shutdown_request(connection)
            with self._lock:
                self._answering -= 1

    def _close_late(self, selector: selectors.BaseSelector) -> None:
        now = time.monotonic()
        for arriving in [a for a in self._arriving.values() if a.deadline < now]:
            self._close(selector, arriving.connection)

    def _close(self, selector: selectors.BaseSelector, connection: socket.socket) -> None:
        selector.unregister(connection)
        self._forget(connection)
        connection.close()

    def _forget(self, connection: socket.socket) -> None:
        with self._lock:
            del self._arriving[connection]


def _body_length(head: bytes) -> int:
    """The body bytes to wait for: Content-Length when it is one the handler will read; 0
    otherwise (the handler answers 400, 411 or 413 from the headers alone)."""
    from emoji_smith.domain.slack_requests import MAX_BODY_BYTES

    length = -1
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"transfer-encoding":
            return 0
        if name.strip().lower() == b"content-length":
            try:
                length = int(value.strip())
            except ValueError:
                return 0
    return length if 0 <= length <= MAX_BODY_BYTES else 0


def _refuse(connection: socket.socket, status: bytes) -> None:
    """A short answer and close, without a thread (a full server, a request too big)."""
    try:
        connection.settimeout(0.5)
        connection.sendall(
            b"HTTP/1.1 " + status + b"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        )
    except OSError:
        pass
    finally:
        connection.close()


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


def _stop_when_orphaned(server: GuardedServer, every_seconds: float = 1.0) -> None:
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
