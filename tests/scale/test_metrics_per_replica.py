"""ws's metrics are per replica: each replica's gauge counts its own sockets.

Sockets are opened straight to each ws replica's address (the host reaches
the front network), so the test knows which replica holds which; each
replica's ``/metrics`` is read inside its container.
"""

from __future__ import annotations

import json
import secrets
import time

import pytest
import websocket
from e2e.scrape import per_replica, poll
from e2e.stack import container_ids, network_address

OPEN = "roomservice_ws_open_sockets"
FANNED_OUT = "roomservice_ws_frames_fanned_out_total"


def connect(container: str, slug: str, cookie: str) -> websocket.WebSocket:
    """A socket straight to this replica, not through Nginx, naming the site
    as Nginx would (any other ``Host`` is refused)."""
    _, address = network_address(container, "_front")
    url = f"ws://{address}:8000/ws/rooms/{slug}"
    return websocket.create_connection(
        url, cookie=f"session={cookie}", host="127.0.0.1", suppress_origin=True, timeout=10
    )


@pytest.fixture
def replicas(two_of_each) -> list[str]:
    ws = container_ids("ws")
    assert len(ws) == 2
    return ws


def settled(read, timeout: float = 30):
    """A reading that holds still for a second (sockets of earlier tests may still be closing)."""
    deadline = time.monotonic() + timeout
    last = read()
    while time.monotonic() < deadline:
        time.sleep(1)
        now = read()
        if now == last:
            return now
        last = now
    raise AssertionError(f"the reading never settled: last {last}")


@pytest.mark.moves(OPEN)
def test_each_ws_replicas_gauge_counts_the_sockets_it_holds(replicas, user, room):
    cookie = user.cookies["session"]
    before = settled(lambda: per_replica("ws", OPEN))
    wanted = dict(zip(replicas, (3, 1), strict=True))
    sockets = [connect(replica, room, cookie) for replica, count in wanted.items() for _ in range(count)]

    def opened() -> dict[str, float]:
        now = per_replica("ws", OPEN)
        return {replica: now[replica] - before[replica] for replica in replicas}

    try:
        poll(opened, lambda now: now == wanted, "sockets counted per replica (3 on one, 1 on the other)")
    finally:
        for sock in sockets:
            sock.close()
    poll(opened, lambda now: all(n <= 0 for n in now.values()), "sockets counted after closing them")


@pytest.mark.moves(FANNED_OUT)
def test_fan_out_counts_every_frame_queued_to_a_socket_on_every_replica(replicas, user, room):
    cookie = user.cookies["session"]
    messages_before = sum(per_replica("ws", FANNED_OUT, type="message").values())
    presence_before = per_replica("ws", FANNED_OUT, type="presence")
    sockets = [connect(replicas[0], room, cookie) for _ in range(2)] + [connect(replicas[1], room, cookie)]
    try:
        client_id = secrets.token_hex(6)
        sockets[0].send(json.dumps({"type": "message", "body": "counted", "client_id": client_id}))
        for sock in sockets:
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                frame = json.loads(sock.recv())
                if frame["type"] == "message" and frame.get("client_id") == client_id:
                    break
            else:
                raise AssertionError("a socket never got the message")
        poll(
            lambda: sum(per_replica("ws", FANNED_OUT, type="message").values()),
            lambda queued: queued == messages_before + len(sockets),
            "message frames fanned out (one per socket in the room)",
        )
        presence = per_replica("ws", FANNED_OUT, type="presence")
        assert all(presence[r] > presence_before[r] for r in replicas), "a replica sent no presence"
    finally:
        for sock in sockets:
            sock.close()
