"""Who is in a room, across every ws replica, without ghosts.

Each room has one sorted set in Redis, ``presence-users:<slug>``, whose
members are ``<replica_id>:<username>`` scored with an expiry time. Each
replica refreshes its own members every TTL/3 (heartbeat), so the users of a
replica that died without saying goodbye expire after the TTL instead of
lingering. A join or leave publishes on ``presence:<slug>`` so every replica
recomputes that room; the flusher sends at most one presence frame per room
every :data:`COALESCE_SECONDS`.
"""

from __future__ import annotations

import time
import uuid
from collections import Counter, defaultdict

import gevent
from redis.exceptions import RedisError

from servicekit.logs import get_logger
from servicekit.metrics import REDIS_ERRORS, WS_FANNED_OUT
from ws import SERVICE, protocol
from ws.rooms import Registry

COALESCE_SECONDS = 0.25
CHANNEL_PREFIX = "presence:"
KEY_PREFIX = "presence-users:"

log = get_logger(__name__)


def new_replica_id() -> str:
    return uuid.uuid4().hex[:12]


class Presence:
    def __init__(self, redis, registry: Registry, ttl: float, replica_id: str | None = None):
        self.redis = redis
        self.registry = registry
        self.ttl = ttl
        self.replica_id = replica_id or new_replica_id()
        self.local: dict[str, Counter] = defaultdict(Counter)
        self.dirty: set[str] = set()
        self.last_sent: dict[str, list[str]] = {}

    def member(self, username: str) -> str:
        return f"{self.replica_id}:{username}"

    def join(self, slug: str, username: str) -> None:
        self.local[slug][username] += 1
        if self.local[slug][username] == 1:
            self._publish(slug, add=[username])
        self.mark(slug)

    def leave(self, slug: str, username: str) -> None:
        counts = self.local.get(slug)
        if counts is None:
            return
        counts[username] -= 1
        if counts[username] <= 0:
            del counts[username]
            self._publish(slug, remove=[username])
        if not counts:
            del self.local[slug]
            self.last_sent.pop(slug, None)
        self.mark(slug)

    def mark(self, slug: str) -> None:
        """Send this room's presence on the next flush (if anyone here is in it)."""
        self.dirty.add(slug)

    def users(self, slug: str) -> list[str]:
        """Everyone in the room on any live replica: unique and sorted."""
        key = KEY_PREFIX + slug
        pipe = self.redis.pipeline()
        pipe.zremrangebyscore(key, "-inf", time.time())
        pipe.zrange(key, 0, -1)
        _, members = pipe.execute()
        return sorted({member.decode().split(":", 1)[1] for member in members})

    def _publish(self, slug: str, add: list[str] = (), remove: list[str] = ()) -> None:
        key = KEY_PREFIX + slug
        try:
            pipe = self.redis.pipeline()
            if add:
                expires = time.time() + self.ttl
                pipe.zadd(key, {self.member(name): expires for name in add})
                pipe.expire(key, int(self.ttl) + 1)
            if remove:
                pipe.zrem(key, *[self.member(name) for name in remove])
            pipe.publish(CHANNEL_PREFIX + slug, self.replica_id)
            pipe.execute()
        except RedisError as exc:
            REDIS_ERRORS.labels(SERVICE, "presence").inc()
            log.warning("presence_publish_failed", room=slug, error=repr(exc))

    def flush(self) -> None:
        """Send presence to this worker's sockets in every dirty room."""
        dirty, self.dirty = self.dirty, set()
        for slug in dirty:
            if not self.registry.in_room(slug):
                continue
            try:
                users = self.users(slug)
            except RedisError as exc:
                REDIS_ERRORS.labels(SERVICE, "presence").inc()
                log.warning("presence_read_failed", room=slug, error=repr(exc))
                self.dirty.add(slug)
                continue
            self.last_sent[slug] = users
            WS_FANNED_OUT.labels("presence").inc(self.registry.broadcast(slug, protocol.presence(users)))

    def heartbeat(self) -> None:
        """Refresh this replica's members; rooms whose users changed unseen get resent."""
        expires = time.time() + self.ttl
        pipe = self.redis.pipeline()
        for slug, counts in self.local.items():
            if counts:
                pipe.zadd(KEY_PREFIX + slug, {self.member(name): expires for name in counts})
                pipe.expire(KEY_PREFIX + slug, int(self.ttl) + 1)
        pipe.execute()
        for slug in list(self.local):
            if self.users(slug) != self.last_sent.get(slug):
                self.mark(slug)

    def run_flusher(self) -> None:
        while True:
            gevent.sleep(COALESCE_SECONDS)
            self.flush()

    def run_heartbeat(self) -> None:
        while True:
            gevent.sleep(self.ttl / 3)
            try:
                self.heartbeat()
            except RedisError as exc:
                REDIS_ERRORS.labels(SERVICE, "presence").inc()
                log.warning("presence_heartbeat_failed", error=repr(exc))
