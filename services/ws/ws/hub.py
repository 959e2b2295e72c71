"""The per-worker machinery behind the sockets, started on the first connection.

One registry, one pub/sub subscriber, one presence flusher and heartbeat, one
revocation watcher per worker. They start lazily, inside the gevent worker
after monkey-patching, never at import or in ``create_app`` (which also runs
in tests and tools), and a greenlet that dies unexpectedly is restarted.
"""

from __future__ import annotations

import gevent
from flask import Flask, current_app

from servicekit.logs import get_logger
from ws.fanout import Subscriber
from ws.presence import Presence
from ws.revocation import RevocationWatcher
from ws.rooms import Connection, Registry

RESTART_DELAY = 1.0

log = get_logger(__name__)


def supervised(name: str, run) -> None:
    """Run a service loop forever; log and restart it if it ever raises."""
    while True:
        try:
            run()
        except Exception:
            log.exception("ws_background_loop_failed", loop=name)
        gevent.sleep(RESTART_DELAY)


class Hub:
    def __init__(self, redis, config):
        self.registry = Registry()
        self.presence = Presence(redis, self.registry, ttl=config["WS_PRESENCE_TTL"])
        self.subscriber = Subscriber(redis, self.registry, self.presence)
        self.revocation = RevocationWatcher(
            redis, self.registry, config["SESSION_KEY_PREFIX"], config["WS_REVOCATION_INTERVAL"]
        )
        self.greenlets: list[gevent.Greenlet] = []

    def ensure_started(self) -> None:
        if self.greenlets:
            return
        loops = {
            "subscriber": self.subscriber.run,
            "presence_flusher": self.presence.run_flusher,
            "presence_heartbeat": self.presence.run_heartbeat,
            "revocation": self.revocation.run,
        }
        self.greenlets = [gevent.spawn(supervised, name, run) for name, run in loops.items()]

    def join(self, conn: Connection) -> None:
        self.registry.add(conn)
        self.presence.join(conn.slug, conn.username)

    def leave(self, conn: Connection) -> None:
        self.registry.remove(conn)
        self.presence.leave(conn.slug, conn.username)

    def status(self) -> dict:
        return {"connections": self.registry.count(), "subscribed": self.subscriber.connected}


def init_hub(app: Flask) -> Hub:
    hub = Hub(app.extensions["redis"], app.config)
    app.extensions["ws_hub"] = hub
    return hub


def current_hub() -> Hub:
    return current_app.extensions["ws_hub"]
