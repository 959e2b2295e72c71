"""The internal API at ``/api/internal/`` for web and ws (``docs/internal-api.md``).

Authenticated by the shared service token (constant-time compare), not by a
session. The views reuse the public API's functions, so both paths store,
validate and push the same way. Nginx answers 404 for these paths from outside.
"""

from __future__ import annotations

import hmac
from urllib.parse import quote, unquote

from flask import Blueprint, Response, current_app, jsonify, request

from dbapi.errors import ApiError, ValidationError
from dbapi.files import Download, read_chunks, storage, store_file, transfers
from dbapi.messages import page_args_for, page_of_room, store_message
from dbapi.rooms import create_room, find_room, list_rooms
from dbapi.serialize import room_json
from dbapi.users import authenticate, create_user
from dbapi.validation import (
    CREDENTIALS,
    INTERNAL_NEW_MESSAGE,
    INTERNAL_NEW_ROOM,
    LOGIN,
    MAX_ID,
    json_body,
    page_args,
)
from servicekit.bodies import accepts_uploads
from servicekit.ratelimit import limit_messages_for_account

bp = Blueprint("internal", __name__, url_prefix="/api/internal")


@bp.before_request
def require_service_token() -> None:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    expected = current_app.config["SERVICE_TOKEN"].encode()
    if scheme.lower() != "bearer" or not hmac.compare_digest(token.strip().encode(), expected):
        raise ApiError(401, "A valid service token is required.")


@bp.post("/users")
def users_create():
    body = json_body(CREDENTIALS)
    return jsonify(create_user(body["username"], body["password"])), 201


@bp.post("/users/authenticate")
def users_authenticate():
    body = json_body(LOGIN)
    user = authenticate(body["username"], body["password"])
    if user is None:
        raise ApiError(401, "Wrong username or password.")
    return jsonify(user)


@bp.get("/rooms")
def rooms_index():
    return jsonify(list_rooms(page_args(request.args, default_limit=100, allow_after=False)))


@bp.post("/rooms")
def rooms_create():
    body = json_body(INTERNAL_NEW_ROOM)
    return jsonify(create_room(body["name"], body["user_id"])), 201


@bp.get("/rooms/<slug>")
def rooms_show(slug: str):
    return jsonify(room_json(find_room(slug)))


@bp.get("/rooms/<slug>/page")
def room_page(slug: str):
    """The room and its newest messages in one call: all that web's room page reads from db-api."""
    room, listing = page_of_room(slug, page_args_for(slug, request.args, allow_after=False))
    return jsonify({"room": room_json(room), "messages": listing})


@bp.get("/rooms/<slug>/messages")
def messages_index(slug: str):
    _, listing = page_of_room(slug, page_args_for(slug, request.args, allow_after=True))
    return jsonify(listing)


@bp.post("/rooms/<slug>/messages")
@limit_messages_for_account
def messages_create(slug: str):
    room = find_room(slug)
    body = json_body(INTERNAL_NEW_MESSAGE)
    message, created = store_message(room, body["user_id"], body["body"], body["client_id"])
    return jsonify(message), 201 if created else 200


@bp.get("/users/<int:user_id>/storage")
def users_storage(user_id: int):
    return jsonify(storage(user_id))


@bp.post("/rooms/<slug>/files")
@accepts_uploads
def files_create(slug: str):
    """The body is the file itself, which web streams here (chunked) as it arrives."""
    room = find_room(slug)
    raw_user_id = request.args.get("user_id", "")
    user_id = int(raw_user_id) if raw_user_id.isascii() and raw_user_id.isdecimal() else 0
    if not 1 <= user_id <= MAX_ID:
        raise ValidationError({"user_id": "must be a positive integer"})
    filename = unquote(request.headers.get("X-Filename", ""))
    with transfers().slot():
        stored = store_file(room, user_id, filename, request.mimetype, read_chunks(request.stream))
    return jsonify(stored), 201


@bp.get("/files/<int:file_id>")
def files_show(file_id: int):
    download = Download(file_id)
    response = Response(iter(download), content_type=download.row["content_type"])
    response.content_length = download.row["size"]
    response.headers["X-Filename"] = quote(download.row["filename"], safe="")
    response.call_on_close(download.close)
    return response
