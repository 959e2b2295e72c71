"""Open connections of this worker and the rooms they are in.

Each connection has a bounded send queue drained by its own writer greenlet,
so fan-out only ever does a non-blocking ``put``: a slow or stalled client
delays nobody else.
"""

from __future__ import annotations

from collections import defaultdict

import gevent
from gevent.queue import Full, Queue

from servicekit.logs import get_logger
from ws.ratelimit import TokenBucket
from ws.transport import ConnectionClosed

QUEUE_FULL_CODE = 1008
BACKLOG_WAIT_SECONDS = 0.01
BACKLOG_WAIT_STEPS = 500

log = get_logger(__name__)


class Connection:
    """One socket: its user, room and session, its rate limit and its writer.

    When the send queue is full the client is not reading fast enough to stay
    in sync; it is closed with 1008 (policy violation: "too slow to keep up"),
    so it reconnects and catches up with ``GET .../messages?after=<id>``
    instead of silently missing frames.
    """

    def __init__(self, socket, user: dict, slug: str, session_id: str, config):
        self.socket = socket
        self.user = user
        self.slug = slug
        self.session_id = session_id
        self.limiter = TokenBucket(config["WS_RATE_PER_SECOND"], config["WS_RATE_BURST"])
        self.queue: Queue = Queue(maxsize=config["WS_SEND_QUEUE_SIZE"])
        self.closing = False
        self.writer = gevent.spawn(self._drain)

    @property
    def username(self) -> str:
        return self.user["username"]

    def send(self, text: str) -> bool:
        """Queue a frame without ever blocking the caller; False if it was not queued."""
        if self.closing:
            return False
        try:
            self.queue.put_nowait(text)
        except Full:
            self.closing = True
            log.warning("ws_send_queue_full", room=self.slug, user=self.username)
            gevent.spawn(self.close, QUEUE_FULL_CODE, "too slow: send queue full")
            return False
        return True

    def pause_while_backlogged(self) -> None:
        """Let the writer run, and stop reading from a client whose answers pile up.

        A reader with buffered frames never yields on its own, so without this
        a fast sender's own pongs would fill its queue. Pausing the reader
        pushes back on that client over TCP instead of dropping it.
        """
        if not self.queue.qsize():
            return
        gevent.sleep(0)
        for _ in range(BACKLOG_WAIT_STEPS):
            if self.closing or self.queue.qsize() <= self.queue.maxsize // 2:
                return
            gevent.sleep(BACKLOG_WAIT_SECONDS)

    def close(self, code: int, reason: str) -> None:
        self.closing = True
        self.socket.close(code, reason)

    def stop(self) -> None:
        self.closing = True
        self.writer.kill(block=False)

    def _drain(self) -> None:
        while True:
            text = self.queue.get()
            try:
                self.socket.send(text)
            except ConnectionClosed:
                return


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

    def broadcast(self, slug: str, text: str) -> int:
        """Queue ``text`` to every socket in the room here; how many queued it."""
        return sum(conn.send(text) for conn in self.in_room(slug))
