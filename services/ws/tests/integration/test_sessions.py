"""Logging out anywhere closes that session's sockets with 4401 within 5 s."""

from __future__ import annotations

import struct
import time

import websocket
from wsclient import recv_json, ws_url


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
