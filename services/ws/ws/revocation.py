"""Close the sockets of logged-out sessions with 4401 (docs/websocket.md, "Close codes").

Logging out anywhere deletes the session in Redis; no service tells ws. A
watcher greenlet asks Redis every few seconds, in one pipelined round of
``EXISTS`` for all distinct session ids on this worker, and closes the
sockets whose session is gone. A Redis error skips a round: an outage must
not look like everyone logging out.
"""

from __future__ import annotations

import gevent
from redis.exceptions import RedisError

from servicekit.logs import get_logger
from servicekit.metrics import REDIS_ERRORS
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
        pipe = self.redis.pipeline(transaction=False)
        for sid in session_ids:
            pipe.exists(self.key_prefix + sid)
        return {sid for sid, exists in zip(session_ids, pipe.execute(), strict=True) if not exists}

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
