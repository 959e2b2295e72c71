"""Sockets per account are capped across replicas and refused before the 101.

The stack runs the default caps (scripts/throwaway-env does not raise them);
they are read here through ws's own config, so the tests follow the settings.
"""

from __future__ import annotations

import json
import os
import time
import uuid

import pytest
import websocket
from redis import Redis
from wsclient import RawClient, post_json, unique

from servicekit.config import config_for
from ws.config import WsConfig
from ws.slots import SocketSlots, account_key

CONFIG = config_for(WsConfig, {**os.environ, "APP_ENV": "testing"}, service="ws")
PER_ROOM = CONFIG.WS_SOCKETS_PER_ACCOUNT_ROOM
PER_ACCOUNT = CONFIG.WS_SOCKETS_PER_ACCOUNT


@pytest.fixture
def redis_client() -> Redis:
    url = os.environ.get("TEST_REDIS_URL")
    if not url:
        pytest.fail("TEST_REDIS_URL is not set: run through scripts/test-stack.sh")
    return Redis.from_url(url)


@pytest.fixture
def sockets():
    """Sockets opened by a test, closed after it."""
    opened: list[websocket.WebSocket] = []
    yield opened
    for ws in opened:
        ws.close()


def new_room(user) -> str:
    response = post_json(user.http, "/api/v1/rooms", {"name": unique("Room")})
    assert response.status_code == 201, response.text
    return response.json()["slug"]


def refusal(user, slug: str) -> tuple[int, dict, dict]:
    """A raw handshake that must be refused: its status, headers and JSON error."""
    client = RawClient(f"/ws/rooms/{slug}", user.cookie)
    try:
        assert client.status != 101, "the upgrade was accepted"
        return client.status, client.headers, json.loads(client.body())["error"]
    finally:
        client.close()


def connects(user, slug: str, timeout: float = 5.0) -> websocket.WebSocket:
    """A socket once the handshake succeeds, retrying refusals until ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return user.connect(slug)
        except websocket.WebSocketBadStatusException as exc:
            assert exc.status_code == 429, exc
            assert time.monotonic() < deadline, "the slot was not freed in time"
            time.sleep(0.1)


def test_a_socket_over_the_room_cap_is_429_without_a_101(make_user, user, room, sockets):
    sockets += [user.connect(room) for _ in range(PER_ROOM)]
    status, headers, error = refusal(user, room)
    assert status == 429
    assert "sec-websocket-accept" not in headers
    assert headers["content-type"].startswith("application/json")
    assert error["code"] == "too_many_sockets"
    assert str(PER_ROOM) in error["message"]
    sockets.append(user.connect(new_room(user)))
    sockets.append(make_user().connect(room))


def test_a_socket_over_the_account_cap_is_429(user, sockets):
    while len(sockets) < PER_ACCOUNT:
        slug = new_room(user)
        sockets += [user.connect(slug) for _ in range(min(PER_ROOM, PER_ACCOUNT - len(sockets)))]
    status, _, error = refusal(user, new_room(user))
    assert status == 429
    assert error["code"] == "too_many_sockets"
    assert str(PER_ACCOUNT) in error["message"]


def test_a_closed_socket_frees_its_slot_promptly(user, room, sockets):
    sockets += [user.connect(room) for _ in range(PER_ROOM)]
    assert refusal(user, room)[0] == 429
    sockets.pop().close()
    sockets.append(connects(user, room, timeout=5))


def test_slots_live_in_one_expiring_key_per_account_that_goes_when_the_sockets_do(
    user, room, sockets, redis_client
):
    sockets += [user.connect(room) for _ in range(3)]
    key = account_key(user.id)
    assert redis_client.zcard(key) == 3
    assert 0 < redis_client.ttl(key) <= int(CONFIG.WS_PRESENCE_TTL) + 1
    while sockets:
        sockets.pop().close()
    deadline = time.monotonic() + 5
    while redis_client.exists(key):
        assert time.monotonic() < deadline, "the account's key outlived its sockets"
        time.sleep(0.1)


def test_a_dead_replicas_slots_count_everywhere_then_expire(user, room, sockets, redis_client):
    """A replica that took slots and died (no release, no heartbeat), played by this process."""
    ttl = 2.0
    dead = SocketSlots(redis_client, ttl, PER_ROOM, PER_ACCOUNT, replica_id="dead-" + uuid.uuid4().hex[:8])
    started = time.monotonic()
    for _ in range(PER_ROOM):
        dead.acquire(user.id, room)
    assert refusal(user, room)[0] == 429, "the live replica counts the other replica's sockets"
    sockets.append(connects(user, room, timeout=ttl + 5))
    assert time.monotonic() - started >= ttl - 0.5, "slots were freed before their expiry"
