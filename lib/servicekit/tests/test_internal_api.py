"""The internal client's one retry policy, against a stand-in db-api on loopback.

The stand-in is a plain socket server that answers, stalls or drops as each
test tells it, and counts what reached it.
"""

from __future__ import annotations

import socket
import threading
import time

import pytest
from flask import Flask

from servicekit import internal_api
from servicekit.internal_api import DbApiClient, DbApiUnavailable, start_budget

BUDGET = 1.0


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class StandIn:
    """An HTTP/1.1 server on loopback that replies with ``answers`` in turn ("stall" never
    replies, "read body" replies 200 once a chunked body has ended)."""

    def __init__(self, answers: list[str]):
        self.answers = list(answers)
        self.requests = 0
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.release = threading.Event()
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self) -> None:
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            threading.Thread(target=self.handle, args=(conn,), daemon=True).start()

    def handle(self, conn: socket.socket) -> None:
        with conn:
            received = conn.recv(65536)
            while b"\r\n\r\n" not in received:
                received += conn.recv(65536)
            self.requests += 1
            answer = self.answers.pop(0) if self.answers else "200"
            if answer == "read body":
                while not received.endswith(b"0\r\n\r\n"):
                    received += conn.recv(65536)
                answer = "200"
            if answer == "stall":
                self.release.wait(10)
                return
            body = b'{"ok": true}'
            conn.sendall(
                f"HTTP/1.1 {answer} X\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
                + body
            )

    def close(self) -> None:
        self.release.set()
        self.server.close()


@pytest.fixture
def app():
    app = Flask(__name__)
    app.extensions["db_api"] = None
    return app


def client_for(port: int) -> DbApiClient:
    return DbApiClient(f"http://127.0.0.1:{port}", "token", BUDGET)


def timed(call):
    started = time.monotonic()
    try:
        return call(), time.monotonic() - started
    except DbApiUnavailable:
        return None, time.monotonic() - started


def test_a_stalled_db_api_costs_one_budget_and_is_not_asked_twice(app):
    stand_in = StandIn(["stall", "stall"])
    try:
        with app.test_request_context():
            result, waited = timed(lambda: client_for(stand_in.port).get_json("/x"))
        assert result is None
        assert BUDGET * 0.9 <= waited < BUDGET + 1.5
        assert stand_in.requests == 1, "a sent request that timed out was sent again"
    finally:
        stand_in.close()


def test_every_call_of_one_unit_of_work_shares_its_budget(app):
    stand_in = StandIn(["stall", "stall"])
    client = client_for(stand_in.port)
    app.extensions["db_api"] = client
    try:
        with app.test_request_context():
            start_budget()
            _, first = timed(lambda: client.get_json("/room"))
            _, second = timed(lambda: client.get_json("/messages"))
        assert first + second < BUDGET + 1.5
        assert second < 0.1, "the second call waited although the budget was spent"
        assert stand_in.requests == 1
    finally:
        stand_in.close()


def test_a_refused_connection_is_tried_once_more_then_fails_fast(app):
    with app.test_request_context():
        result, waited = timed(lambda: client_for(closed_port()).get_json("/x"))
    assert result is None
    assert waited < BUDGET


@pytest.mark.parametrize(
    ("method", "idempotent", "requests_seen"), [("GET", False, 2), ("POST", True, 2), ("POST", False, 1)]
)
def test_a_503_is_retried_only_where_asking_again_is_safe(app, method, idempotent, requests_seen):
    stand_in = StandIn(["503", "200"])
    try:
        with app.test_request_context():
            result, _ = timed(lambda: client_for(stand_in.port).request(method, "/x", idempotent=idempotent))
        assert stand_in.requests == requests_seen
        assert (result is not None) == (requests_seen == 2)
    finally:
        stand_in.close()


def test_a_file_transfer_has_its_own_time_even_once_the_page_budget_is_spent(app):
    """The upload follows the page's own calls; its body takes longer than the
    whole budget, each piece longer than the connect timeout."""
    stand_in = StandIn(["read body"])
    client = client_for(stand_in.port)
    app.extensions["db_api"] = client

    def slow_body():
        for _ in range(3):
            time.sleep(internal_api.CONNECT_TIMEOUT + 0.1)
            yield b"x" * 1000

    try:
        with app.test_request_context():
            start_budget()
            time.sleep(BUDGET)
            assert timed(lambda: client.get_json("/x"))[0] is None, "the page's budget is spent"
            result, waited = timed(lambda: client.transfer("POST", "/files", 10, data=slow_body()).json())
        assert result == {"ok": True}
        assert waited > BUDGET
        assert stand_in.requests == 1
    finally:
        stand_in.close()


def test_a_transfer_that_db_api_stops_answering_fails_after_its_wait_and_is_not_sent_twice(app, monkeypatch):
    monkeypatch.setattr(internal_api, "TRANSFER_WAIT", 0.5)
    stand_in = StandIn(["stall", "stall"])
    client = client_for(stand_in.port)
    try:
        with app.test_request_context():
            result, waited = timed(lambda: client.transfer("GET", "/files/1", 10, stream=True))
        assert result is None
        assert waited < 5
        assert stand_in.requests == 1
    finally:
        stand_in.close()
