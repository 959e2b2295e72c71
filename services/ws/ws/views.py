"""``/ws/rooms/<slug>``: one socket's life, frame by frame (docs/websocket.md).

The handshake check has already accepted the user and the room. Messages go
to db-api's internal route; the stored message comes back to every socket in
the room, this one included, through Redis (see :mod:`ws.fanout`). Only a
repeated ``client_id`` (db-api answers 200, publishes nothing) is answered
here, to the sender alone.
"""

from __future__ import annotations

from urllib.parse import quote

from flask import Blueprint, abort, current_app, request

from servicekit.errors import error_code
from servicekit.internal_api import DbApiError, DbApiUnavailable, db_api, start_budget
from servicekit.logs import get_logger
from ws import protocol
from ws.handshake import ACCEPTED_KEY
from ws.hub import current_hub
from ws.rooms import Connection
from ws.transport import SOCKET_KEY

bp = Blueprint("rooms", __name__)
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
    start_budget()  # each frame is its own unit of work for db-api
    if not conn.limiter.allow():
        conn.send(protocol.error("rate_limited", "Too many frames; slow down."))
        return
    try:
        frame = protocol.parse(text)
    except protocol.InvalidFrame as exc:
        conn.send(protocol.error(exc.code, exc.message))
        return
    if isinstance(frame, protocol.Ping):
        conn.send(protocol.PONG)
        return
    post(conn, frame)


def post(conn: Connection, frame: protocol.Post) -> None:
    path = f"/api/internal/rooms/{quote(conn.slug, safe='')}/messages"
    payload = {"user_id": conn.user["id"], "body": frame.body, "client_id": frame.client_id}
    try:
        response = db_api().post_json(path, payload, idempotent=True)
    except DbApiUnavailable:
        conn.send(protocol.error("unavailable", "Messages cannot be stored right now; try again shortly."))
        return
    except DbApiError as exc:
        error = exc.error
        conn.send(protocol.error(error.get("code", error_code(exc.status)), error.get("message", "Refused.")))
        return
    if response.status_code == 200:
        conn.send(protocol.message(response.json()))
