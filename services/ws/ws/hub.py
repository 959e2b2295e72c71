"""The per-worker machinery behind the sockets, started on the first connection.

One registry, one pub/sub subscriber, one presence flusher and heartbeat, one
socket-slot heartbeat, one revocation watcher per worker. They start lazily,
inside the gevent worker after monkey-patching, never at import or in
``create_app`` (which also runs in tests and tools), and a greenlet that dies
unexpectedly is restarted.
"""

from __future__ import annotations

import time

import gevent
from flask import Flask, current_app

from servicekit.logs import get_logger
from servicekit.metrics import WS_OPEN_SOCKETS
from servicekit.redis_client import make_redis
from ws.fanout import Subscriber
from ws.presence import Presence, new_replica_id
from ws.revocation import RevocationWatcher
from ws.rooms import Connection, Registry
from ws.slots import SocketSlots

RESTART_DELAY = 1.0
# How long a socket waits for its replica's pub/sub subscription (only right
# after the replica starts, or while Redis is away).
SUBSCRIBE_WAIT = 2.0

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
        replica_id = new_replica_id()
        self.registry = Registry()
        self.presence = Presence(redis, self.registry, ttl=config["WS_PRESENCE_TTL"], replica_id=replica_id)
        self.slots = SocketSlots(
            redis,
            ttl=config["WS_PRESENCE_TTL"],
            per_room=config["WS_SOCKETS_PER_ACCOUNT_ROOM"],
            per_account=config["WS_SOCKETS_PER_ACCOUNT"],
            replica_id=replica_id,
        )
        # Its own client, without retries: every lost subscription must be noticed.
        subscriber_redis = make_redis(
            config["REDIS_URL"], config["REDIS_SOCKET_TIMEOUT"], config["REDIS_PASSWORD"], retries=0
        )
        self.subscriber = Subscriber(subscriber_redis, self.registry, self.presence)
        self.revocation = RevocationWatcher(
            redis, self.registry, config["SESSION_KEY_PREFIX"], config["WS_REVOCATION_INTERVAL"]
        )
        self.greenlets: list[gevent.Greenlet] = []

    def ensure_started(self) -> None:
        """Start the loops on the first socket, and let no socket join before the
        subscriber listens: the first frames on a new replica (the sender's own
        message, presence) would otherwise be published before it hears them."""
        if not self.greenlets:
            loops = {
                "subscriber": self.subscriber.run,
                "presence_flusher": self.presence.run_flusher,
                "presence_heartbeat": self.presence.run_heartbeat,
                "socket_slots_heartbeat": self.slots.run_heartbeat,
                "revocation": self.revocation.run,
            }
            self.greenlets = [gevent.spawn(supervised, name, run) for name, run in loops.items()]
        deadline = time.monotonic() + SUBSCRIBE_WAIT
        while not self.subscriber.connected and time.monotonic() < deadline:
            gevent.sleep(0.01)

    def join(self, conn: Connection) -> None:
        self.registry.add(conn)
        WS_OPEN_SOCKETS.inc()
        self.presence.join(conn.slug, conn.username)

    def leave(self, conn: Connection) -> None:
        self.registry.remove(conn)
        WS_OPEN_SOCKETS.dec()
        self.presence.leave(conn.slug, conn.username)

    def status(self) -> dict:
        return {"connections": self.registry.count(), "subscribed": self.subscriber.connected}


def init_hub(app: Flask) -> Hub:
    hub = Hub(app.extensions["redis"], app.config)
    app.extensions["ws_hub"] = hub
    return hub


def current_hub() -> Hub:
    return current_app.extensions["ws_hub"]
