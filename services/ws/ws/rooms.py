"""Open connections of this worker and the rooms they are in.

A frame is built once per broadcast (:func:`ws.transport.text_frame`) and
written to each socket without yielding when the kernel takes it, which it
almost always does: an idle socket has no writer greenlet and no queue. Only
a socket whose kernel buffer is full gets a bounded backlog and a writer
greenlet that drains it and exits, so fan-out never blocks and a slow or
stalled client delays nobody else.
"""

from __future__ import annotations

from collections import defaultdict, deque

import gevent

from servicekit.logs import get_logger
from ws.ratelimit import TokenBucket
from ws.transport import ConnectionClosed, text_frame

QUEUE_FULL_CODE = 1008
BACKLOG_WAIT_SECONDS = 0.01
BACKLOG_WAIT_STEPS = 500

log = get_logger(__name__)


class Connection:
    """One socket: its user, room and session, its rate limit, and its backlog while it has one.

    When the backlog holds ``WS_SEND_QUEUE_SIZE`` frames the client is not
    reading fast enough to stay in sync; it is closed with 1008 (policy
    violation: "too slow to keep up"), so it reconnects and catches up with
    ``GET .../messages?after=<id>`` instead of silently missing frames.
    """

    __slots__ = (
        "backlog",
        "closing",
        "limiter",
        "max_backlog",
        "session_id",
        "slug",
        "socket",
        "user",
        "writer",
    )

    def __init__(self, socket, user: dict, slug: str, session_id: str, config):
        self.socket = socket
        self.user = user
        self.slug = slug
        self.session_id = session_id
        self.limiter = TokenBucket(config["WS_RATE_PER_SECOND"], config["WS_RATE_BURST"])
        self.max_backlog = config["WS_SEND_QUEUE_SIZE"]
        self.backlog: deque[bytes] | None = None
        self.writer: gevent.Greenlet | None = None
        self.closing = False

    @property
    def username(self) -> str:
        return self.user["username"]

    def send(self, text: str) -> bool:
        """Send a frame of this socket's own (a pong, an error) without ever blocking the caller."""
        return self.send_frame(text_frame(text))

    def send_frame(self, frame: bytes) -> bool:
        """Send a prebuilt frame without ever blocking the caller; False if it was dropped."""
        if self.closing:
            return False
        if self.writer is not None:
            if len(self.backlog) >= self.max_backlog:
                self.closing = True
                log.warning("ws_send_queue_full", room=self.slug, user=self.username)
                gevent.spawn(self.close, QUEUE_FULL_CODE, "too slow: send queue full")
                return False
            self.backlog.append(frame)
            return True
        try:
            tail, locked = self.socket.write_nowait(frame)
        except ConnectionClosed:
            self.closing = True
            return False
        if tail:
            self.backlog = deque()
            self.writer = gevent.spawn(self._drain, tail, locked)
        return True

    def pending(self) -> int:
        return len(self.backlog) + 1 if self.writer is not None else 0

    def pause_while_backlogged(self) -> None:
        """Let the writer run, and stop reading from a client whose answers pile up.

        A reader with buffered frames never yields on its own, so without this
        a fast sender's own pongs would fill its backlog. Pausing the reader
        pushes back on that client over TCP instead of dropping it.
        """
        if not self.pending():
            return
        gevent.sleep(0)
        for _ in range(BACKLOG_WAIT_STEPS):
            if self.closing or self.pending() <= self.max_backlog // 2:
                return
            gevent.sleep(BACKLOG_WAIT_SECONDS)

    def close(self, code: int, reason: str) -> None:
        self.closing = True
        self.socket.close(code, reason)

    def stop(self) -> None:
        self.closing = True
        if self.writer is not None:
            self.writer.kill(block=False)

    def _drain(self, first: bytes, locked: bool) -> None:
        """Finish the frame the kernel did not take at once, then the backlog; exit when it is empty."""
        try:
            self.socket.write_frame(first, locked=locked)
            while self.backlog:
                self.socket.write_frame(self.backlog.popleft())
        except ConnectionClosed:
            self.closing = True
        finally:
            self.writer = None
            self.backlog = None


class Registry:
    """room slug → the connections of this worker in it."""

    def __init__(self):
        self._rooms: dict[str, set[Connection]] = defaultdict(set)

    def add(self, conn: Connection) -> None:
        self._rooms[conn.slug].add(conn)

    def remove(self, conn: Connection) -> None:
        members = self._rooms.get(conn.slug)
        if members is not None:
            members.discard(conn)
            if not members:
                del self._rooms[conn.slug]

    def in_room(self, slug: str) -> list[Connection]:
        return list(self._rooms.get(slug, ()))

    def rooms(self) -> list[str]:
        return list(self._rooms)

    def connections(self) -> list[Connection]:
        return [conn for members in self._rooms.values() for conn in members]

    def count(self) -> int:
        return sum(len(members) for members in self._rooms.values())

    def broadcast(self, slug: str, text: str) -> int:
        """One frame, serialised once, to every socket of the room on this worker; how many took it."""
        frame = text_frame(text)
        return sum(conn.send_frame(frame) for conn in self.in_room(slug))
