"""Live push: each newly stored message goes once to Redis channel ``room:<slug>``.

The frame is exactly what ws forwards to browsers. Redis being down never
loses a message: it is already stored and acknowledged, and clients catch up
with ``?after=`` when they reconnect, so a failed publish is only logged.
"""

from __future__ import annotations

import json

from redis.exceptions import RedisError

from servicekit.logs import get_logger
from servicekit.metrics import count_redis_error
from servicekit.redis_client import get_redis

log = get_logger(__name__)


def channel(slug: str) -> str:
    return f"room:{slug}"


def publish_message(message: dict) -> None:
    frame = json.dumps({"type": "message", **message}, ensure_ascii=False)
    try:
        get_redis().publish(channel(message["room"]), frame)
    except RedisError as exc:
        count_redis_error("publish")
        log.warning("push_failed", room=message["room"], message_id=message["id"], error=repr(exc))
