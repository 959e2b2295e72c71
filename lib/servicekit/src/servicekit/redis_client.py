"""The one Redis client of a service: sessions, pub/sub and rate limits share it.

redis-py's default retries turn a dead Redis into 3-4.5 s hangs; two quick
jittered retries and short socket timeouts make it fail in milliseconds, and
it reconnects by itself when Redis is back.
"""

from __future__ import annotations

from flask import Flask, current_app
from redis import Redis
from redis.backoff import ExponentialWithJitterBackoff
from redis.retry import Retry

from servicekit.metrics import count_redis_error


def make_redis(url: str, socket_timeout: float, password: str, retries: int = 2) -> Redis:
    """``retries=0`` for a pub/sub subscriber that must notice every lost
    connection: redis-py otherwise reconnects and resubscribes silently, and
    what was published in between is gone without anyone knowing."""
    return Redis.from_url(
        url,
        password=password or None,  # a password in the URL wins
        socket_timeout=socket_timeout,
        socket_connect_timeout=socket_timeout,
        retry=Retry(ExponentialWithJitterBackoff(base=0.01, cap=0.1), retries),
        health_check_interval=30,
    )


def init_redis(app: Flask) -> Redis:
    client = make_redis(
        app.config["REDIS_URL"], app.config["REDIS_SOCKET_TIMEOUT"], app.config["REDIS_PASSWORD"]
    )
    app.extensions["redis"] = client
    return client


def get_redis() -> Redis:
    return current_app.extensions["redis"]


def check_redis() -> str:
    """Readiness check: ``ok`` or why not."""
    try:
        get_redis().ping()
    except Exception as exc:  # noqa: BLE001 - any failure means "not ready"
        count_redis_error("ready")
        return f"error: {type(exc).__name__}"
    return "ok"
