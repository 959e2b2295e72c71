"""Close the sockets of logged-out sessions with 4401 (docs/websocket.md, "Close codes").

Logging out anywhere deletes the session in Redis, and so do the idle and
absolute timeouts, ``end_other_sessions`` and eviction; no service tells ws.
A watcher greenlet asks Redis every few seconds, in one pipelined round of
``EXISTS`` for all distinct session ids on this worker, and closes the
sockets whose session is gone. A session once gone stays gone (servicekit
writes a session back only while its key exists), so a closed socket's
cookie is refused at the next handshake too. A Redis error skips a round:
an outage must not look like everyone logging out.
"""

from __future__ import annotations

import gevent
from redis.exceptions import RedisError

from servicekit.logs import get_logger
from servicekit.metrics import REDIS_ERRORS
from servicekit.sessions import live_session_ids
from ws import SERVICE
from ws.rooms import Registry

REVOKED_CODE = 4401

log = get_logger(__name__)


class RevocationWatcher:
    def __init__(self, redis, registry: Registry, key_prefix: str, interval: float):
        self.redis = redis
        self.registry = registry
        self.key_prefix = key_prefix
        self.interval = interval

    def revoked(self, session_ids: list[str]) -> set[str]:
        return set(session_ids) - live_session_ids(self.redis, self.key_prefix, session_ids)

    def check_once(self) -> int:
        """Close revoked sessions' sockets; returns how many were closed."""
        connections = self.registry.connections()
        session_ids = sorted({conn.session_id for conn in connections})
        if not session_ids:
            return 0
        revoked = self.revoked(session_ids)
        closing = [conn for conn in connections if conn.session_id in revoked]
        for conn in closing:
            gevent.spawn(conn.close, REVOKED_CODE, "logged out")
        return len(closing)

    def run(self) -> None:
        while True:
            gevent.sleep(self.interval)
            try:
                self.check_once()
            except RedisError as exc:
                REDIS_ERRORS.labels(SERVICE, "revocation").inc()
                log.warning("ws_revocation_check_failed", error=repr(exc))
