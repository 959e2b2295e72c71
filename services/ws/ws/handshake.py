"""Who may open ``/ws/rooms/<slug>``: decided before the 101 (docs/websocket.md).

gevent-websocket answers 101 before Flask runs, so the view cannot refuse.
This check runs in the transport's handler instead, inside a request context
built from the upgrade's WSGI environ, so the shared session, the request id
and the db-api client work exactly as in a view. What it learns (user, room,
session id) is left in the environ for the view, so nothing is looked up twice.

Last, it takes one of the account's socket slots (:mod:`ws.slots`): the
excess is a 429 before any 101. The slot is given back by the transport when
the request is over, however it ends.
"""

from __future__ import annotations

from flask import Flask
from redis.exceptions import RedisError
from werkzeug.exceptions import HTTPException, NotFound

from servicekit.errors import error_code
from servicekit.hosts import host_refused
from servicekit.internal_api import DbApiError, DbApiUnavailable, db_api, internal_path
from servicekit.metrics import count_rate_limited, count_redis_error
from servicekit.sessions import current_user, session_id
from ws.hub import current_hub
from ws.slots import TooManySockets
from ws.transport import ENDED_KEY, Refusal

SOCKET_ENDPOINT = "rooms.socket"
ACCEPTED_KEY = "roomservice.ws"
# A worker's first socket waits this long for its Redis subscription.
SUBSCRIBE_WAIT_SECONDS = 2.0


TOO_MANY_SOCKETS = "too_many_sockets"
# The ``limit`` label of upgrades refused by a socket cap.
SOCKETS_LIMIT = "ws-sockets"


def refusal(status: int, message: str, code: str = "") -> Refusal:
    return Refusal(status, code or error_code(status), message)


def make_check(app: Flask):
    def check(environ: dict) -> Refusal | None:
        try:
            endpoint, args = app.url_map.bind_to_environ(environ).match()
        except NotFound:
            return refusal(404, "No WebSocket here.")
        except HTTPException as exc:
            return refusal(exc.code or 400, exc.description or "Bad request.")
        if endpoint != SOCKET_ENDPOINT:
            return refusal(404, "No WebSocket here.")
        with app.request_context(environ):
            if host_refused():
                return refusal(400, "Unknown host.")
            try:
                app.preprocess_request()
            except HTTPException as exc:
                return refusal(exc.code or 503, exc.description)
            return check_room(environ, args["slug"], app.config["ALLOWED_ORIGINS"])

    return check


def check_room(environ: dict, slug: str, allowed_origins: frozenset[str]) -> Refusal | None:
    """401 without a login, 404 for an unknown room, 403 for a foreign Origin,
    503 while this worker has no live Redis subscription (messages published
    before it would never reach the socket), 429 over a socket cap."""
    user = current_user()
    if user is None:
        return refusal(401, "Log in first.")
    try:
        room = db_api().get_json(internal_path("rooms", slug))
    except DbApiError as exc:
        if exc.status == 404:
            return refusal(404, "No such room.")
        return refusal(exc.status, exc.error.get("message", "Refused."))
    except DbApiUnavailable:
        return refusal(503, "A backing service is unavailable; try again shortly.")
    origin = environ.get("HTTP_ORIGIN")
    if origin is not None and origin not in allowed_origins:
        return refusal(403, "Origin not allowed.")
    hub = current_hub()
    hub.ensure_started()
    if not hub.subscriber.wait_subscribed(SUBSCRIBE_WAIT_SECONDS):
        return refusal(503, "Live updates are unavailable; try again shortly.")
    slots = hub.slots
    try:
        slot = slots.acquire(user["id"], room["slug"])
    except TooManySockets as exc:
        count_rate_limited(SOCKETS_LIMIT)
        return refusal(429, exc.message, TOO_MANY_SOCKETS)
    except RedisError:
        count_redis_error("sockets")
        return refusal(503, "A backing service is unavailable; try again shortly.")
    environ[ENDED_KEY] = lambda: slots.release(slot)
    environ[ACCEPTED_KEY] = {"user": user, "room": room, "session_id": session_id()}
    return None
