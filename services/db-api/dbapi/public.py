"""The public JSON API at ``/api/v1``, authenticated by the shared session cookie.

Each view checks in the documented order (docs/api.md, "Which error wins"): login (401), then the room (404),
then the body (415, 400, 422), and leaves the work to the modules shared with
:mod:`dbapi.internal`.
"""

from __future__ import annotations

from flask import Blueprint, jsonify, request

from dbapi.errors import ApiError
from dbapi.messages import page_args_for, page_of_room, store_message
from dbapi.openapi import openapi_document
from dbapi.rooms import create_room, find_room, list_rooms
from dbapi.serialize import room_json
from dbapi.users import authenticate, create_user
from dbapi.validation import CREDENTIALS, LOGIN, NEW_MESSAGE, NEW_ROOM, json_body, json_payload, page_args
from servicekit.ratelimit import limit_login, limit_messages, limit_register, limit_rooms
from servicekit.sessions import User, current_user, log_in, log_out

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def require_user() -> User:
    user = current_user()
    if user is None:
        raise ApiError(401, "Log in first.")
    return user


@bp.post("/auth/register")
@limit_register
def register():
    body = json_body(CREDENTIALS)
    return jsonify(create_user(body["username"], body["password"])), 201


@bp.post("/auth/login")
@limit_login(username_of=lambda: json_payload().get("username"))
def login():
    body = json_body(LOGIN)
    user = authenticate(body["username"], body["password"])
    if user is None:
        raise ApiError(401, "Wrong username or password.")
    log_in(user)
    return jsonify(user)


@bp.post("/auth/logout")
def logout():
    """204 whether or not anyone was logged in; no body needed (SameSite=Lax keeps cross-site posts out)."""
    log_out()
    return "", 204


@bp.get("/me")
def me():
    return jsonify(require_user())


@bp.get("/rooms")
def rooms_index():
    require_user()
    return jsonify(list_rooms(page_args(request.args, default_limit=100, allow_after=False)))


@bp.post("/rooms")
@limit_rooms
def rooms_create():
    user = require_user()
    body = json_body(NEW_ROOM)
    return jsonify(create_room(body["name"], user["id"])), 201


@bp.get("/rooms/<slug>")
def rooms_show(slug: str):
    require_user()
    return jsonify(room_json(find_room(slug)))


@bp.get("/rooms/<slug>/messages")
def messages_index(slug: str):
    require_user()
    _, listing = page_of_room(slug, page_args_for(slug, request.args, allow_after=True))
    return jsonify(listing)


@bp.post("/rooms/<slug>/messages")
@limit_messages
def messages_create(slug: str):
    user = require_user()
    room = find_room(slug)
    body = json_body(NEW_MESSAGE)
    message, created = store_message(room, user["id"], body["body"], body["client_id"])
    return jsonify(message), 201 if created else 200


@bp.get("/openapi.json")
def openapi():
    return jsonify(openapi_document())
