"""A tiny threaded HTTP server on 127.0.0.1 that records requests; fakes subclass it."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import default
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    json: Any = None
    form: dict[str, str] = field(default_factory=dict)
    #: multipart/form-data parts: name → [(filename or None, content type, bytes)], in order.
    parts: dict[str, list[tuple[str | None, str, bytes]]] = field(default_factory=dict)


@dataclass
class Reply:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)
    delay_seconds: float = 0.0


def _multipart(content_type: str, body: bytes) -> dict[str, list[tuple[str | None, str, bytes]]]:
    """The parts of a multipart/form-data body, as a server receives them."""
    message = BytesParser(policy=default).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + body
    )
    parts: dict[str, list[tuple[str | None, str, bytes]]] = {}
    for part in message.iter_parts():
        name = str(part.get_param("name", header="content-disposition"))
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        parts.setdefault(name, []).append((part.get_filename(), part.get_content_type(), data))
    return parts


class _Server(ThreadingHTTPServer):
    # As many waiting connections as a real service takes: a load test must not measure the
    # fake's backlog (the standard library's default is 5).
    request_queue_size = 1024
    daemon_threads = True


class HTTPFake:
    """Override `reply(request) -> Reply`."""

    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self._lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                fake._handle(self)

            do_GET = do_POST  # noqa: N815 - the name http.server dispatches to

            def log_message(self, *args: object) -> None:
                pass

        self._server = _Server(("127.0.0.1", 0), Handler)
        self.port = self._server.server_address[1]

    @contextmanager
    def running(self) -> Iterator[HTTPFake]:
        thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self._server.shutdown()
            self._server.server_close()

    def reply(self, request: Recorded) -> Reply:
        raise NotImplementedError

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length)
        headers = {key.lower(): value for key, value in handler.headers.items()}
        request = Recorded(handler.command, handler.path, headers, body)
        content_type = headers.get("content-type", "")
        if "json" in content_type and body:
            request.json = json.loads(body)
        elif "form-urlencoded" in content_type and body.isascii():
            request.form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
        elif content_type.startswith("multipart/form-data"):
            request.parts = _multipart(content_type, body)
            request.form = {
                name: values[0][2].decode()
                for name, values in request.parts.items()
                if values[0][0] is None
            }
        query = urlsplit(handler.path).query
        request.path = urlsplit(handler.path).path
        if query:
            request.form |= {k: v[0] for k, v in parse_qs(query).items()}
        with self._lock:
            self.requests.append(request)
            reply = self.reply(request)
        if reply.delay_seconds:
            threading.Event().wait(reply.delay_seconds)
        payload = reply.body if isinstance(reply.body, bytes) else json.dumps(reply.body).encode()
        try:
            handler.send_response(reply.status)
            if not any(key.lower() == "content-type" for key in reply.headers):
                handler.send_header("Content-Type", "application/json")
            handler.send_header("Content-Length", str(len(payload)))
            for key, value in reply.headers.items():
                handler.send_header(key, value)
            handler.end_headers()
            handler.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout test)
