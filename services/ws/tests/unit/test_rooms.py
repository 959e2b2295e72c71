"""A stalled client fills only its own queue, and is then closed with 1008."""

from __future__ import annotations

import gevent
from gevent.event import Event

from ws.rooms import QUEUE_FULL_CODE, Connection, Registry

CONFIG = {"WS_RATE_PER_SECOND": 20, "WS_RATE_BURST": 40, "WS_SEND_QUEUE_SIZE": 8}


class FakeSocket:
    def __init__(self, stalled: bool):
        self.stalled = Event() if stalled else None
        self.sent: list[str] = []
        self.closed_with: tuple[int, str] | None = None

    def send(self, text: str) -> None:
        if self.stalled is not None:
            self.stalled.wait()
        self.sent.append(text)

    def close(self, code: int, reason: str) -> None:
        self.closed_with = (code, reason)


def connection(slug: str, stalled: bool = False) -> Connection:
    return Connection(FakeSocket(stalled), {"id": 1, "username": "u"}, slug, "sid", CONFIG)


def test_a_stalled_client_is_closed_and_does_not_delay_the_others():
    registry = Registry()
    slow, fast = connection("r", stalled=True), connection("r")
    registry.add(slow)
    registry.add(fast)
    for index in range(20):
        registry.broadcast("r", f"frame {index}")
        gevent.sleep(0)  # the subscriber yields between messages from Redis
    assert fast.socket.sent == [f"frame {index}" for index in range(20)]
    assert slow.socket.closed_with is not None
    assert slow.socket.closed_with[0] == QUEUE_FULL_CODE == 1008
    slow.stop()
    fast.stop()


def test_registry_rooms_are_separate_and_emptied():
    registry = Registry()
    a, b = connection("a"), connection("b")
    registry.add(a)
    registry.add(b)
    registry.broadcast("a", "hello")
    gevent.sleep(0.01)
    assert a.socket.sent == ["hello"] and b.socket.sent == []
    registry.remove(a)
    assert registry.rooms() == ["b"]
    a.stop()
    b.stop()
