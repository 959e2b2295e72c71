"""Every row of docs/websocket.md's frame tables, through Nginx, with websocket-client."""

from __future__ import annotations

import json
import os
import threading
import time
import uuid
from collections import Counter

import pytest
from wsclient import recv_json, recv_nothing


def message_frame(body: str, client_id: str | None = None) -> str:
    return json.dumps({"type": "message", "body": body, "client_id": client_id or uuid.uuid4().hex})


def test_ping_pong(user, room):
    ws = user.connect(room)
    ws.send(json.dumps({"type": "ping"}))
    assert recv_json(ws, "pong") == {"type": "pong"}
    ws.close()


def presence_until(ws, expected: list[str], timeout: float = 5) -> list[str]:
    """Presence frames until one lists ``expected`` (a repeat of the old list may come first)."""
    deadline = time.monotonic() + timeout
    users: list[str] = []
    while users != expected and time.monotonic() < deadline:
        users = recv_json(ws, "presence", timeout=max(0.1, deadline - time.monotonic()))["users"]
    return users


def test_presence_on_join_and_leave(make_user, user, room):
    first = user.connect(room)
    assert recv_json(first, "presence")["users"] == [user.username]
    other = make_user()
    second = other.connect(room)
    expected = sorted([user.username, other.username])
    assert presence_until(second, expected) == expected
    assert presence_until(first, expected) == expected
    # A second socket of the same user does not list them twice.
    third = other.connect(room)
    assert recv_json(third, "presence")["users"] == expected
    second.close()
    third.close()
    deadline = time.monotonic() + 3
    while recv_json(first, "presence", timeout=3)["users"] != [user.username]:
        assert time.monotonic() < deadline
    first.close()


def test_message_reaches_everyone_in_the_room_within_1s(make_user, user, room):
    other = make_user()
    sender, listener = user.connect(room), other.connect(room)
    client_id = uuid.uuid4().hex
    started = time.monotonic()
    sender.send(message_frame("  héllo 🎉  ", client_id))
    for ws in (sender, listener):
        frame = recv_json(ws, "message", timeout=1.0)
        assert frame["body"] == "héllo 🎉"
        assert frame["client_id"] == client_id
        assert frame["user"] == user.username
        assert frame["room"] == room
        assert isinstance(frame["id"], int)
    assert time.monotonic() - started < 1.0
    sender.close()
    listener.close()


def test_message_is_stored(user, room):
    ws = user.connect(room)
    client_id = uuid.uuid4().hex
    ws.send(message_frame("stored?", client_id))
    stored = recv_json(ws, "message")
    page = user.http.get(f"{os.environ['BASE_URL']}/api/v1/rooms/{room}/messages", timeout=5).json()
    assert [m["id"] for m in page["items"] if m["client_id"] == client_id] == [stored["id"]]
    ws.close()


def test_repeated_client_id_only_answers_the_sender(make_user, user, room):
    other = make_user()
    sender, listener = user.connect(room), other.connect(room)
    client_id = uuid.uuid4().hex
    sender.send(message_frame("once", client_id))
    first = recv_json(sender, "message")
    assert recv_json(listener, "message")["id"] == first["id"]
    sender.send(message_frame("twice", client_id))
    again = recv_json(sender, "message")
    assert again["id"] == first["id"] and again["body"] == "once"
    recv_nothing(listener, "message", wait=1.0)
    sender.close()
    listener.close()


def test_other_rooms_get_nothing(user, room):
    response = user.http.post(
        f"{os.environ['BASE_URL']}/api/v1/rooms", json={"name": f"Other {uuid.uuid4().hex[:8]}"}, timeout=5
    )
    elsewhere = user.connect(response.json()["slug"])
    here = user.connect(room)
    here.send(message_frame("not for you"))
    recv_json(here, "message")
    recv_nothing(elsewhere, "message", wait=0.5)
    here.close()
    elsewhere.close()


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("not json", "invalid_json"),
        ("[1]", "invalid_frame"),
        ('"message"', "invalid_frame"),
        ('{"type": "shout"}', "unknown_type"),
        ('{"type": "message", "body": "no client id"}', "validation_error"),
        ('{"type": "message", "body": "", "client_id": "a"}', "validation_error"),
        ('{"type": "message", "body": "   ", "client_id": "a"}', "validation_error"),
        (json.dumps({"type": "message", "body": "x" * 2001, "client_id": "a"}), "validation_error"),
        ('{"type": "message", "body": "ok", "client_id": "bad id!"}', "validation_error"),
    ],
)
def test_invalid_frames_get_their_error_code_and_the_socket_stays_open(user, room, text, code):
    ws = user.connect(room)
    ws.send(text)
    error = recv_json(ws, "error")
    assert error["code"] == code
    assert isinstance(error["message"], str) and error["message"]
    ws.send(json.dumps({"type": "ping"}))
    assert recv_json(ws, "pong") == {"type": "pong"}
    ws.close()


def test_excess_frames_are_rate_limited(user, room):
    rate = float(os.environ.get("WS_RATE_PER_SECOND", "20"))
    burst = int(os.environ.get("WS_RATE_BURST", "40"))
    total = burst + max(20, int(rate))
    ws = user.connect(room)
    recv_json(ws, "presence")
    counts: Counter = Counter()

    def read_all():
        # Read while sending: a client that stops reading is dropped (send queue full).
        for _ in range(total):
            frame = recv_json(ws, timeout=10)
            counts[frame.get("code", frame["type"])] += 1

    reader = threading.Thread(target=read_all)
    reader.start()
    started = time.monotonic()
    for _ in range(total):
        ws.send('{"type": "ping"}')
    reader.join(15)
    # The server took the frames somewhere inside this window (they may queue
    # behind others on a busy machine), so the bucket refilled at most this long.
    window = time.monotonic() - started
    assert counts["pong"] + counts["rate_limited"] == total
    assert counts["rate_limited"] > 0
    assert counts["pong"] <= burst + rate * window + 1
    ws.close()


def test_fan_out_and_presence_across_many_sockets(make_user, room):
    """Enough sockets that, with several ws replicas behind Nginx, every replica holds some."""
    users = [make_user() for _ in range(3)]
    sockets = [person.connect(room) for person in users for _ in range(3)]
    names = sorted(person.username for person in users)
    for ws in sockets:
        deadline = time.monotonic() + 3
        while recv_json(ws, "presence", timeout=3)["users"] != names:
            assert time.monotonic() < deadline
    client_id = uuid.uuid4().hex
    started = time.monotonic()
    sockets[0].send(message_frame("to everyone", client_id))
    for ws in sockets:
        assert recv_json(ws, "message", timeout=1.0)["client_id"] == client_id
    assert time.monotonic() - started < 1.0
    for ws in sockets:
        ws.close()
