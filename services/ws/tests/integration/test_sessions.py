"""Logging out anywhere closes that session's sockets with 4401 within 5 s."""

from __future__ import annotations

import os
import struct
import time

import requests
import websocket
from redis import Redis
from wsclient import User, post_json, recv_json, ws_url

from servicekit.sessions import SharedSessionInterface


def close_code(ws: websocket.WebSocket, timeout: float) -> int:
    deadline = time.monotonic() + timeout
    while (left := deadline - time.monotonic()) > 0:
        ws.settimeout(left)
        opcode, data = ws.recv_data(control_frame=True)
        if opcode == websocket.ABNF.OPCODE_CLOSE:
            return struct.unpack("!H", data[:2])[0]
    raise AssertionError("socket was not closed in time")


def test_logout_closes_sockets_with_4401_within_5s(make_user, room):
    leaving, staying = make_user(), make_user()
    sockets = [leaving.connect(room), leaving.connect(room)]
    other = staying.connect(room)
    for ws in sockets:
        recv_json(ws, "presence")
    started = time.monotonic()
    leaving.logout()
    for ws in sockets:
        assert close_code(ws, timeout=5.5 - (time.monotonic() - started)) == 4401
    assert time.monotonic() - started < 5
    other.send('{"type": "ping"}')
    assert recv_json(other, "pong") == {"type": "pong"}
    other.close()


def test_replayed_cookie_after_logout_is_refused(user, room):
    cookie = user.cookie
    user.logout()
    try:
        websocket.create_connection(ws_url(f"/ws/rooms/{room}"), cookie=f"session={cookie}", timeout=5)
    except websocket.WebSocketBadStatusException as exc:
        assert exc.status_code == 401
    else:
        raise AssertionError("upgrade accepted after logout")


def test_ending_a_users_other_sessions_closes_their_sockets_with_4401(make_user, room):
    """What a password change or "sign out everywhere else" does (servicekit's
    end_other_sessions), run against the stack's Redis: ws notices by itself."""
    kept = make_user()
    other = requests.Session()
    credentials = {"username": kept.username, "password": "correct horse battery"}
    login = post_json(other, "/api/v1/auth/login", credentials)
    assert login.status_code == 200, login.text
    ended = User(kept.username, other.cookies["session"], other)
    ended_socket, kept_socket = ended.connect(room), kept.connect(room)
    recv_json(ended_socket, "presence")
    sessions = SharedSessionInterface(
        Redis.from_url(os.environ["TEST_REDIS_URL"]),
        key_prefix="session:",
        idle=3600,
        absolute=3600,
        per_user=20,
        sessionless_paths=frozenset(),
    )
    started = time.monotonic()
    assert sessions.end_sessions(login.json()["id"], keep=kept.cookie) == 1
    assert close_code(ended_socket, timeout=5.5) == 4401
    assert time.monotonic() - started < 5
    kept_socket.send('{"type": "ping"}')
    assert recv_json(kept_socket, "pong") == {"type": "pong"}
    kept_socket.close()
