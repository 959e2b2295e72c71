"""CheckedHandler on a real gevent server on loopback: handshake time bounds and the end hook.

The client uses gevent's sockets, so it and the server take turns in this one
thread (no monkey-patching needed, no other servers).
"""

from __future__ import annotations

import base64
import json
import os
import time

import gevent
import pytest
from gevent import socket as gsocket
from gevent.pywsgi import WSGIServer

from ws.transport import ENDED_KEY, CheckedHandler, Refusal, install_handshake_check

TIMEOUT = 0.3


class Quiet:
    """Stands in for gunicorn's logger (access lines) and pywsgi's error log."""

    def __init__(self):
        self.lines: list[str] = []

    def access(self, *args) -> None:
        pass

    def write(self, text: str) -> None:
        self.lines.append(text)


def app(environ, start_response):
    ws = environ.get("wsgi.websocket")
    if ws is not None:
        while ws.receive() is not None:
            pass
        return []
    start_response("200 OK", [("Content-Length", "2")])
    return [b"ok"]


@pytest.fixture
def serve():
    servers: list[WSGIServer] = []

    def start(check) -> int:
        application = lambda environ, start_response: app(environ, start_response)  # noqa: E731
        install_handshake_check(application, check, TIMEOUT)
        errors = Quiet()
        server = WSGIServer(
            ("127.0.0.1", 0), application, handler_class=CheckedHandler, log=Quiet(), error_log=errors
        )
        server.start()
        servers.append(server)
        return server.server_port

    yield start
    for server in servers:
        server.stop(timeout=1)


def connect(port: int) -> gsocket.socket:
    return gsocket.create_connection(("127.0.0.1", port), timeout=5)


def upgrade(sock: gsocket.socket) -> None:
    key = base64.b64encode(os.urandom(16)).decode()
    head = (
        "GET /ws/rooms/r HTTP/1.1\r\nHost: test\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
    )
    sock.sendall(head.encode())


def read_response(sock: gsocket.socket) -> tuple[int, bytes]:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(4096)
        assert chunk, "connection closed before a response"
        data += chunk
    head, body = data.split(b"\r\n\r\n", 1)
    status = int(head.split()[1])
    headers = dict(line.lower().split(b": ", 1) for line in head.split(b"\r\n")[1:])
    length = int(headers.get(b"content-length", 0))
    while len(body) < length:
        body += sock.recv(4096)
    return status, body


def wait_for(condition, timeout: float = 3.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        gevent.sleep(0.01)


def test_a_request_head_that_does_not_arrive_in_time_is_dropped(serve, capsys):
    sock = connect(serve(lambda environ: None))
    sock.sendall(b"GET /ws/rooms/r HTTP/1.1\r\nHost: test\r\n")
    started = time.monotonic()
    assert sock.recv(100) == b"", "the server closes the connection"
    assert time.monotonic() - started < TIMEOUT + 2
    assert "Traceback" not in capsys.readouterr().err


def test_an_idle_keep_alive_connection_is_dropped_after_the_timeout(serve):
    sock = connect(serve(lambda environ: None))
    sock.sendall(b"GET /plain HTTP/1.1\r\nHost: test\r\n\r\n")
    assert read_response(sock) == (200, b"ok")
    assert sock.recv(100) == b""


def test_a_check_that_does_not_decide_in_time_is_a_503_and_no_101(serve):
    sock = connect(serve(lambda environ: gevent.sleep(10)))
    upgrade(sock)
    status, body = read_response(sock)
    assert status == 503
    assert json.loads(body)["error"]["code"] == "unavailable"


def test_an_open_socket_is_not_cut_by_the_head_timeout(serve):
    sock = connect(serve(lambda environ: None))
    upgrade(sock)
    assert read_response(sock)[0] == 101
    gevent.sleep(TIMEOUT * 2)
    sock.sendall(bytes([0x89, 0x80]) + os.urandom(4))  # a masked, empty ping
    assert sock.recv(2) == bytes([0x8A, 0x00])


def test_the_end_hook_runs_once_when_the_socket_closes(serve):
    ended: list[int] = []

    def check(environ):
        environ[ENDED_KEY] = lambda: ended.append(1)

    sock = connect(serve(check))
    upgrade(sock)
    assert read_response(sock)[0] == 101
    gevent.sleep(0.05)
    assert ended == [], "not while the socket is open"
    sock.close()
    wait_for(lambda: ended == [1])


@pytest.mark.parametrize(
    "then", [lambda: Refusal(429, "too_many_sockets", "Close one."), lambda: gevent.sleep(10)]
)
def test_the_end_hook_runs_once_when_the_upgrade_is_refused_after_the_check_took_a_slot(serve, then):
    ended: list[int] = []

    def check(environ):
        environ[ENDED_KEY] = lambda: ended.append(1)
        return then()

    sock = connect(serve(check))
    upgrade(sock)
    assert read_response(sock)[0] in (429, 503)
    wait_for(lambda: ended == [1])
