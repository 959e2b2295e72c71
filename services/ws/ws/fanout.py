"""One Redis pub/sub subscriber per worker, feeding the local sockets.

db-api publishes every newly stored message on ``room:<slug>`` as the exact
frame sockets get, so it is forwarded unchanged; ``presence:<slug>`` only
says "recompute this room". One pattern subscription covers every room, so
joining a room costs no Redis command. When Redis goes away the subscriber
reconnects by itself with capped exponential backoff, then asks for every
local room's presence again. Anything published meanwhile is lost for good,
so losing the subscription closes every local socket with 1013 (try again
later; the subscriber's client never retries, or redis-py would reconnect and
resubscribe without a word): clients reconnect once a handshake succeeds again (it waits for the
subscription, :meth:`Subscriber.wait_subscribed`) and catch up with
``?after=``, and a message they sent meanwhile is resent and confirmed.
"""

from __future__ import annotations

import gevent
from gevent.event import Event
from redis.exceptions import RedisError

from servicekit.logs import get_logger
from servicekit.metrics import REDIS_ERRORS, WS_FANNED_OUT
from ws import SERVICE
from ws.presence import CHANNEL_PREFIX as PRESENCE_PREFIX
from ws.presence import Presence
from ws.rooms import Registry

ROOM_PREFIX = "room:"
PATTERNS = (ROOM_PREFIX + "*", PRESENCE_PREFIX + "*")
POLL_SECONDS = 1.0
BACKOFF_START = 0.1
BACKOFF_MAX = 5.0
RESYNC_CODE = 1013

log = get_logger(__name__)


class Subscriber:
    def __init__(self, redis, registry: Registry, presence: Presence):
        self.redis = redis
        self.registry = registry
        self.presence = presence
        self.subscribed = Event()
        self.subscriptions = 0

    @property
    def connected(self) -> bool:
        return self.subscribed.is_set()

    def wait_subscribed(self, timeout: float) -> bool:
        """True once the subscription is live: a socket accepted before that
        could miss messages published in between."""
        return self.subscribed.wait(timeout)

    def dispatch(self, channel: str, data: str) -> None:
        if channel.startswith(ROOM_PREFIX):
            queued = self.registry.broadcast(channel[len(ROOM_PREFIX) :], data)
            WS_FANNED_OUT.labels("message").inc(queued)
        elif channel.startswith(PRESENCE_PREFIX):
            self.presence.mark(channel[len(PRESENCE_PREFIX) :])

    def listen_once(self) -> None:
        """Subscribe and forward until the connection fails."""
        pubsub = self.redis.pubsub(ignore_subscribe_messages=True)
        try:
            pubsub.psubscribe(*PATTERNS)
            self.subscribed.set()
            self.subscriptions += 1
            for slug in self.registry.rooms():
                self.presence.mark(slug)
            while True:
                item = pubsub.get_message(timeout=POLL_SECONDS)
                if item is not None and item["type"] == "pmessage":
                    self.dispatch(item["channel"].decode(), item["data"].decode("utf-8"))
                    # Let writers drain between messages: a burst must not fill every queue at once.
                    gevent.sleep(0)
        finally:
            if self.connected:
                self.subscribed.clear()
                self.drop_sockets()
            pubsub.close()

    def drop_sockets(self) -> None:
        """Every local socket may have missed messages: have it reconnect and catch up."""
        connections = self.registry.connections()
        for conn in connections:
            gevent.spawn(conn.close, RESYNC_CODE, "live updates interrupted; reconnect")
        log.warning("ws_subscription_lost", sockets_closed=len(connections))

    def run(self) -> None:
        delay = BACKOFF_START
        while True:
            before = self.subscriptions
            try:
                self.listen_once()
            except (RedisError, OSError) as exc:
                REDIS_ERRORS.labels(SERVICE, "pubsub").inc()
                log.warning("ws_subscriber_lost", error=repr(exc), retry_in=delay)
            # A subscription that worked starts the backoff over.
            delay = BACKOFF_START if self.subscriptions > before else min(delay * 2, BACKOFF_MAX)
            gevent.sleep(delay)
