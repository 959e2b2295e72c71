"""Upgrade refusals are plain HTTP answers, never a 101 (docs/websocket.md)."""

from __future__ import annotations

import json

import pytest
import websocket
from wsclient import BASE_URL, RawClient, ws_url


def refused(url: str, **kwargs) -> websocket.WebSocketBadStatusException:
    with pytest.raises(websocket.WebSocketBadStatusException) as caught:
        websocket.create_connection(url, timeout=5, **kwargs)
    return caught.value


def error_code(body: bytes) -> str:
    return json.loads(body)["error"]["code"]


def test_no_session_is_401(room):
    exc = refused(ws_url(f"/ws/rooms/{room}"))
    assert exc.status_code == 401
    assert error_code(exc.resp_body) == "unauthorized"


def test_unknown_session_is_401(room):
    assert refused(ws_url(f"/ws/rooms/{room}"), cookie="session=not-a-session").status_code == 401


def test_unknown_room_is_404(user):
    exc = refused(ws_url("/ws/rooms/no-such-room-here"), cookie=f"session={user.cookie}")
    assert exc.status_code == 404
    assert error_code(exc.resp_body) == "not_found"


def test_foreign_origin_is_403(user, room):
    exc = refused(ws_url(f"/ws/rooms/{room}"), cookie=f"session={user.cookie}", origin="https://evil.example")
    assert exc.status_code == 403
    assert error_code(exc.resp_body) == "forbidden"


def test_own_origin_and_no_origin_are_accepted(user, room):
    user.connect(room, origin=BASE_URL).close()
    user.connect(room, suppress_origin=True).close()


@pytest.mark.parametrize(
    ("cookie", "path", "origin", "status"),
    [
        (None, "/ws/rooms/{room}", None, 401),
        ("user", "/ws/rooms/nope-nope-nope", None, 404),
        ("user", "/ws/rooms/{room}", "http://evil.example", 403),
    ],
)
def test_raw_refusal_has_status_and_no_upgrade(user, room, cookie, path, origin, status):
    client = RawClient(path.format(room=room), user.cookie if cookie else None, origin)
    try:
        assert client.status == status
        assert "sec-websocket-accept" not in client.headers
        assert client.headers.get("content-type", "").startswith("application/json")
    finally:
        client.close()


def test_raw_handshake_accept_key(user, room):
    client = RawClient(f"/ws/rooms/{room}", user.cookie)
    try:
        assert client.status == 101
        assert client.headers["upgrade"].lower() == "websocket"
        assert client.headers["sec-websocket-accept"] == client.expected_accept()
    finally:
        client.close()
