"""Sockets per account, counted across every ws replica, so caps hold before the 101.

Each account with an open socket has one sorted set in Redis,
``ws-sockets:<user_id>``, whose members are ``<slug> <replica_id>:<n>``
scored with an expiry time, as presence does (:mod:`ws.presence`): each
replica refreshes its own members every TTL/3, so the sockets of a replica
that died without releasing them stop counting after the TTL.

Admission is one Lua script (drop expired members, count the account's and
the room's, add the new one if both are under their caps), so two handshakes
racing on two replicas cannot both take the last slot. Keys stay bounded: one
per account with a live socket, at most the per-account cap of members, each
key expiring a TTL after its last refresh.

:class:`SocketSlots` is the one place where sockets are counted in and out
(``acquire`` before the 101, ``release`` when the connection is over).
"""

from __future__ import annotations

import itertools
import math
import time
from collections import defaultdict
from dataclasses import dataclass

import gevent
from redis.exceptions import RedisError

from servicekit.logs import get_logger
from servicekit.metrics import REDIS_ERRORS
from ws import SERVICE

KEY_PREFIX = "ws-sockets:"
ADMITTED, ROOM_FULL, ACCOUNT_FULL = 0, 1, 2

# KEYS[1]: the account's set. ARGV: now, expiry of the new member, key TTL (s),
# the new member, its room's member prefix, the room cap, the account cap.
ADMIT = """
local key = KEYS[1]
redis.call('ZREMRANGEBYSCORE', key, '-inf', ARGV[1])
local members = redis.call('ZRANGE', key, 0, -1)
if #members >= tonumber(ARGV[7]) then
  return 2
end
local prefix, in_room = ARGV[5], 0
for _, member in ipairs(members) do
  if string.sub(member, 1, #prefix) == prefix then
    in_room = in_room + 1
  end
end
if in_room >= tonumber(ARGV[6]) then
  return 1
end
redis.call('ZADD', key, ARGV[2], ARGV[4])
redis.call('EXPIRE', key, ARGV[3])
return 0
"""

log = get_logger(__name__)


class TooManySockets(Exception):
    """The account already holds its cap of sockets in this room, or overall."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Slot:
    key: str
    member: str


def account_key(user_id: int) -> str:
    return f"{KEY_PREFIX}{user_id}"


class SocketSlots:
    def __init__(self, redis, ttl: float, per_room: int, per_account: int, replica_id: str):
        self.redis = redis
        self.ttl = ttl
        self.key_ttl = math.ceil(ttl) + 1
        self.per_room = per_room
        self.per_account = per_account
        self.replica_id = replica_id
        self.held: set[Slot] = set()
        self._numbers = itertools.count(1)
        self._admit = redis.register_script(ADMIT)

    def acquire(self, user_id: int, slug: str) -> Slot:
        """Count a new socket in, or raise :class:`TooManySockets` (``RedisError`` if Redis cannot say)."""
        slot = Slot(account_key(user_id), f"{slug} {self.replica_id}:{next(self._numbers)}")
        now = time.time()
        args = [now, now + self.ttl, self.key_ttl, slot.member, slug + " ", self.per_room, self.per_account]
        verdict = self._admit(keys=[slot.key], args=args)
        if verdict == ROOM_FULL:
            raise TooManySockets(f"This account has {self.per_room} sockets open in this room; close one.")
        if verdict == ACCOUNT_FULL:
            raise TooManySockets(f"This account has {self.per_account} sockets open; close one.")
        self.held.add(slot)
        return slot

    def release(self, slot: Slot) -> None:
        """Count a socket out; if Redis is away, its entry expires after the TTL instead."""
        self.held.discard(slot)
        try:
            self.redis.zrem(slot.key, slot.member)
        except RedisError as exc:
            REDIS_ERRORS.labels(SERVICE, "sockets").inc()
            log.warning("ws_slot_release_failed", error=repr(exc))

    def heartbeat(self) -> None:
        """Push this replica's slots' expiry forward (re-adding any Redis lost)."""
        expires = time.time() + self.ttl
        members: dict[str, dict[str, float]] = defaultdict(dict)
        for slot in list(self.held):
            members[slot.key][slot.member] = expires
        if not members:
            return
        pipe = self.redis.pipeline(transaction=False)
        for key, scores in members.items():
            pipe.zadd(key, scores)
            pipe.expire(key, self.key_ttl)
        pipe.execute()

    def run_heartbeat(self) -> None:
        while True:
            gevent.sleep(self.ttl / 3)
            try:
                self.heartbeat()
            except RedisError as exc:
                REDIS_ERRORS.labels(SERVICE, "sockets").inc()
                log.warning("ws_slot_heartbeat_failed", error=repr(exc))
