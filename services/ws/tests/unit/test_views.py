"""How one socket answers frames: every refusal names the frame's client_id (no servers)."""

from __future__ import annotations

import json

import pytest

import ws
from servicekit.internal_api import DbApiError
from ws import views
from ws.ratelimit import TokenBucket


@pytest.fixture(autouse=True)
def app_context(monkeypatch):
    """Refusals are counted in the app's metrics; no server is contacted."""
    monkeypatch.setenv("APP_ENV", "testing")
    with ws.create_app({"REDIS_URL": "redis://127.0.0.1:1/0"}).app_context():
        yield


class FakeConn:
    def __init__(self, burst: int):
        self.limiter = TokenBucket(rate=0.001, burst=burst)
        self.sent: list[dict] = []

    def send(self, text: str) -> None:
        self.sent.append(json.loads(text))


def message(client_id: str, body: str = "hi") -> str:
    return json.dumps({"type": "message", "body": body, "client_id": client_id})


def test_a_frame_over_the_socket_rate_is_refused_with_its_client_id():
    conn = FakeConn(burst=1)
    views.handle(conn, json.dumps({"type": "ping"}))
    views.handle(conn, message("c-2"))
    assert conn.sent[0] == {"type": "pong"}
    refused = conn.sent[1]
    assert refused["code"] == "rate_limited" and refused["client_id"] == "c-2"
    assert refused["retry_after"] >= 1


def test_an_invalid_frame_is_refused_with_its_client_id():
    conn = FakeConn(burst=5)
    views.handle(conn, message("c-3", body="   "))
    [frame] = conn.sent
    assert frame == {
        "type": "error",
        "code": "validation_error",
        "message": "body must not be empty.",
        "client_id": "c-3",
    }


def test_invalid_frames_take_tokens_too():
    conn = FakeConn(burst=1)
    views.handle(conn, "not json")
    views.handle(conn, "not json")
    assert [frame["code"] for frame in conn.sent] == ["invalid_json", "rate_limited"]


def test_the_account_budget_refusal_is_rate_limited_with_db_apis_retry_after():
    exc = DbApiError(429, {"error": {"code": "rate_limited", "message": "120 per 1 minute"}}, retry_after=7)
    frame = json.loads(views.refused(exc, "c-4"))
    assert frame["code"] == "rate_limited" and frame["client_id"] == "c-4" and frame["retry_after"] == 7
    assert "7 s" in frame["message"]


def test_other_db_api_refusals_keep_their_code_and_name_the_frame():
    exc = DbApiError(422, {"error": {"code": "validation_error", "message": "The request is not valid."}})
    frame = json.loads(views.refused(exc, "c-5"))
    assert frame == {
        "type": "error",
        "code": "validation_error",
        "message": "The request is not valid.",
        "client_id": "c-5",
    }
