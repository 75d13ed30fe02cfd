"""One HTTP POST over a connection kept open per host and thread, with the standard library.

A warm webhook calls the same few hosts on every request (Step Functions, Slack); opening a TCP
(and TLS) connection for each call costs more than the call itself on a near host. A connection
the server closed while idle is found on the next use and the request sent once more on a new
one: the server never read it, so nothing runs twice.
"""

from __future__ import annotations

import http.client
import socket
import threading
from email.message import Message
from typing import NamedTuple, cast
from urllib.parse import urlsplit

_open = threading.local()
#: How a connection closed by the server while idle shows on its next use.
_CLOSED_WHILE_IDLE = (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError)


class Answer(NamedTuple):
    status: int
    headers: Message
    body: bytes


def post(url: str, body: bytes, headers: dict[str, str], timeout: float) -> Answer:
    """The answer, whatever its status; OSError when there is none (refused, timed out, cut)."""
    parts = urlsplit(url)
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    connections: dict[tuple[str, str], http.client.HTTPConnection]
    connections = _open.__dict__.setdefault("connections", {})
    key = (parts.scheme, parts.netloc)
    for _ in range(2):
        connection = connections.pop(key, None)
        reused = connection is not None
        if connection is None:
            kind = (
                http.client.HTTPSConnection
                if parts.scheme == "https"
                else http.client.HTTPConnection
            )
            connection = kind(parts.netloc, timeout=timeout)
        else:
            connection.timeout = timeout
            if connection.sock is not None:
                connection.sock.settimeout(timeout)
        try:
            if connection.sock is None:
                connection.connect()
                # Headers and body are two writes: without this, Nagle's algorithm may hold
                # the body back until the server's delayed ACK (~40 ms). urllib3 sets it too.
                opened = cast("socket.socket", connection.sock)
                opened.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            connection.request("POST", target, body, headers)
            response = connection.getresponse()
            data = response.read()
        except _CLOSED_WHILE_IDLE:
            connection.close()
            if reused:
                continue
            raise
        except http.client.HTTPException as error:
            connection.close()
            raise OSError(f"{parts.netloc} answered with a broken response: {error!r}") from None
        except BaseException:
            connection.close()
            raise
        if response.will_close:
            connection.close()
        else:
            connections[key] = connection
        return Answer(response.status, response.headers, data)
    raise AssertionError("unreachable: a new connection's failure is raised")  # pragma: no cover
