"""Fan-out: one frame per broadcast, no writer until a socket backs up, a stalled client closed with 1008."""

from __future__ import annotations

import gevent
from gevent.event import Event

from ws.rooms import QUEUE_FULL_CODE, Connection, Registry
from ws.transport import text_frame

CONFIG = {"WS_RATE_PER_SECOND": 20, "WS_RATE_BURST": 40, "WS_SEND_QUEUE_SIZE": 8}


class FakeSocket:
    """Takes every frame at once, or (stalled) none until released, like a peer that stopped reading."""

    def __init__(self, stalled: bool = False):
        self.stalled = Event() if stalled else None
        self.frames: list[bytes] = []
        self.closed_with: tuple[int, str] | None = None

    @property
    def sent(self) -> list[str]:
        return [frame[2:].decode() for frame in self.frames]  # short frames: a 2-byte header

    def write_nowait(self, frame: bytes) -> tuple[bytes, bool]:
        if self.stalled is not None and not self.stalled.is_set():
            return frame, False
        self.frames.append(frame)
        return b"", False

    def write_frame(self, frame: bytes, locked: bool = False) -> None:
        if self.stalled is not None:
            self.stalled.wait()
        self.frames.append(frame)

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


def test_an_idle_or_keeping_up_socket_has_no_writer_greenlet():
    registry = Registry()
    conn = connection("r")
    registry.add(conn)
    assert conn.writer is None and conn.backlog is None
    registry.broadcast("r", "hello")
    assert conn.socket.sent == ["hello"]
    assert conn.writer is None and conn.backlog is None


def test_a_backed_up_socket_gets_a_writer_that_sends_in_order_and_exits():
    conn = connection("r", stalled=True)
    for index in range(3):
        conn.send(f"m{index}")
    assert conn.writer is not None and conn.pending() == 3
    conn.socket.stalled.set()
    gevent.sleep(0.01)
    assert conn.socket.sent == ["m0", "m1", "m2"]
    assert conn.writer is None and conn.backlog is None


def test_a_broadcast_is_serialised_once_for_every_socket():
    registry = Registry()
    members = [connection("r") for _ in range(3)]
    for conn in members:
        registry.add(conn)
    registry.broadcast("r", '{"type": "message"}')
    frames = [conn.socket.frames[0] for conn in members]
    assert frames[0] == text_frame('{"type": "message"}')
    assert frames[0] is frames[1] is frames[2]


def test_registry_rooms_are_separate_and_emptied():
    registry = Registry()
    a, b = connection("a"), connection("b")
    registry.add(a)
    registry.add(b)
    registry.broadcast("a", "hello")
    assert a.socket.sent == ["hello"] and b.socket.sent == []
    assert registry.count() == 2
    registry.remove(a)
    assert registry.rooms() == ["b"]
    a.stop()
    b.stop()
