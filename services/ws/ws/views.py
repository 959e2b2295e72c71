"""``/ws/rooms/<slug>``: one socket's life, frame by frame (docs/websocket.md).

The handshake check has already accepted the user and the room. Messages go
to db-api's internal route; the stored message comes back to every socket in
the room, this one included, through Redis (see :mod:`ws.fanout`). Only a
repeated ``client_id`` (db-api answers 200, publishes nothing) is answered
here, to the sender alone.

Two limits apply: this socket's token bucket (frames per second, checked
here, no round trip) and the account's message budget, which db-api enforces
on the internal route with the same bucket as HTTP posts; either refusal is a
``rate_limited`` error frame with the frame's ``client_id`` and ``retry_after``.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, request

from servicekit.errors import error_code
from servicekit.internal_api import DbApiError, DbApiUnavailable, db_api, internal_path, start_budget
from servicekit.logs import get_logger
from servicekit.metrics import count_rate_limited
from ws import protocol
from ws.handshake import ACCEPTED_KEY
from ws.hub import current_hub
from ws.rooms import Connection
from ws.transport import SOCKET_KEY

bp = Blueprint("rooms", __name__)
# The ``limit`` label of frames refused by a socket's token bucket.
FRAME_LIMIT = "ws-frames"
log = get_logger(__name__)


@bp.route("/ws/rooms/<slug>", websocket=True)
def socket(slug: str):
    ws = request.environ.get(SOCKET_KEY)
    accepted = request.environ.get(ACCEPTED_KEY)
    if ws is None or accepted is None:
        abort(400)
    hub = current_hub()
    conn = Connection(
        ws, accepted["user"], accepted["room"]["slug"], accepted["session_id"], current_app.config
    )
    hub.join(conn)
    try:
        serve(conn)
    finally:
        hub.leave(conn)
        conn.stop()
    return ""


def serve(conn: Connection) -> None:
    """Read frames until the socket closes; after a server-side close, drain until the peer's close."""
    while True:
        text = conn.socket.receive()
        if text is None:
            return
        if not conn.closing and not conn.socket.closed:
            try:
                handle(conn, text)
            except Exception:
                # One bad frame must not end the socket, nor leak a traceback to the client.
                log.exception("ws_frame_failed", room=conn.slug)
                conn.send(protocol.error("internal_error", "Something went wrong on our side."))
            conn.pause_while_backlogged()


def handle(conn: Connection, text: str) -> None:
    """Every frame, valid or not, takes a token; it is parsed first so a refusal can name it."""
    try:
        frame = protocol.parse(text)
    except protocol.InvalidFrame as exc:
        frame = exc
    if not conn.limiter.allow():
        count_rate_limited(FRAME_LIMIT)
        message, wait = "Too many frames on this socket; slow down.", conn.limiter.retry_after()
        conn.send(protocol.error("rate_limited", message, frame.client_id, retry_after=wait))
    elif isinstance(frame, protocol.InvalidFrame):
        conn.send(protocol.error(frame.code, frame.message, frame.client_id))
    elif isinstance(frame, protocol.Ping):
        conn.send(protocol.PONG)
    else:
        post(conn, frame)


def post(conn: Connection, frame: protocol.Post) -> None:
    path = internal_path("rooms", conn.slug, "messages")
    payload = {"user_id": conn.user["id"], "body": frame.body, "client_id": frame.client_id}
    start_budget()  # each posted frame is its own unit of work for db-api
    try:
        response = db_api().post_json(path, payload, idempotent=True)
    except DbApiUnavailable:
        message = "Messages cannot be stored right now; try again shortly."
        conn.send(protocol.error("unavailable", message, frame.client_id))
        return
    except DbApiError as exc:
        conn.send(refused(exc, frame.client_id))
        return
    if response.status_code == 200:
        conn.send(protocol.message(response.json()))


def refused(exc: DbApiError, client_id: str) -> str:
    """db-api's refusal of a post as an error frame (a 429 is the account's message budget)."""
    if exc.status == 429:
        retry_after = exc.retry_after or 1
        message = f"Too many messages from this account; try again in {retry_after} s."
        return protocol.error("rate_limited", message, client_id, retry_after=retry_after)
    error = exc.error
    code = error.get("code", error_code(exc.status))
    return protocol.error(code, error.get("message", "Refused."), client_id)
