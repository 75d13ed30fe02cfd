"""The kept-alive connections of the webhook's standard-library calls: reused while the server
keeps them, and a request sent once more on a new one, never twice to the server, when the
server closed the kept one while it was idle."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest

from emoji_smith.adapters.http_connections import post


class _Counting(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as AWS and Slack answer
    received: ClassVar[list[tuple[int, bytes]]] = []  # (client port, body)
    #: After answering, drop the connection without saying so (an idle timeout on the server).
    drop_after_answer: ClassVar[bool] = False

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.received.append((self.client_address[1], body))
        drop = self.drop_after_answer  # read before the client sees the answer
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")
        if drop:
            self.close_connection = True

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    _Counting.received.clear()
    _Counting.drop_after_answer = False
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Counting)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()


def test_one_connection_carries_every_call(server: str) -> None:
    # WHEN three calls are made to one host
    for number in range(3):
        assert post(server, str(number).encode(), {}, 2.0).status == 200
    # THEN they came over one connection (one client port), in order
    ports = {port for port, _ in _Counting.received}
    assert len(ports) == 1
    assert [body for _, body in _Counting.received] == [b"0", b"1", b"2"]


def test_a_connection_the_server_dropped_is_replaced_and_the_call_made_once(server: str) -> None:
    # GIVEN a kept connection the server then drops while it is idle
    _Counting.drop_after_answer = True
    assert post(server, b"first", {}, 2.0).status == 200
    _Counting.drop_after_answer = False
    # WHEN the next call is made
    answer = post(server, b"second", {}, 2.0)
    # THEN it is answered, over a new connection, and the server received it once
    assert answer.status == 200
    assert [body for _, body in _Counting.received] == [b"first", b"second"]
    assert _Counting.received[0][0] != _Counting.received[1][0]


def test_no_server_is_an_os_error(server: str) -> None:
    with pytest.raises(ConnectionRefusedError):
        post("http://127.0.0.1:9/", b"{}", {}, 1.0)
