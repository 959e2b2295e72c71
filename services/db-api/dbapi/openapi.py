"""``GET /api/v1/openapi.json``: the OpenAPI 3.1 document of the public API.

Built from the same :class:`~dbapi.validation.Schema` objects that validate
requests plus the route table below, so a documented body cannot drift from
the enforced one; a unit test fails when a ``/api/v1`` route is missing here.
"""

from __future__ import annotations

from functools import cache

from dbapi.validation import CREDENTIALS, LOGIN, NEW_MESSAGE, NEW_ROOM, Schema

TIME = {"type": "string", "format": "date-time", "example": "2026-11-24T12:00:00.123Z"}
NULLABLE_ID = {"type": ["integer", "null"]}

SHAPES = {
    "User": {
        "type": "object",
        "properties": {"id": {"type": "integer"}, "username": {"type": "string"}},
        "required": ["id", "username"],
    },
    "Room": {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "slug": {"type": "string"},
            "name": {"type": "string"},
            "created_at": TIME,
        },
        "required": ["id", "slug", "name", "created_at"],
    },
    "Message": {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "room": {"type": "string", "description": "the room's slug"},
            "user": {"type": "string", "description": "the author's username"},
            "body": {"type": "string"},
            "created_at": TIME,
            "client_id": {"type": ["string", "null"]},
        },
        "required": ["id", "room", "user", "body", "created_at", "client_id"],
    },
    "RoomPage": {
        "type": "object",
        "properties": {
            "items": {"type": "array", "items": {"$ref": "#/components/schemas/Room"}},
            "next_before": NULLABLE_ID,
        },
        "required": ["items", "next_before"],
    },
    "MessagePage": {
        "type": "object",
        "description": "`next_before` for a `before` (or default) page, `next_after` for an `after` page.",
        "properties": {
            "items": {"type": "array", "items": {"$ref": "#/components/schemas/Message"}},
            "next_before": NULLABLE_ID,
            "next_after": NULLABLE_ID,
        },
        "required": ["items"],
    },
    "Error": {
        "type": "object",
        "properties": {
            "error": {
                "type": "object",
                "properties": {
                    "code": {"type": "string"},
                    "message": {"type": "string"},
                    "fields": {"type": "object", "additionalProperties": {"type": "string"}},
                },
                "required": ["code", "message"],
            }
        },
        "required": ["error"],
    },
}

ERRORS = {
    400: "malformed JSON",
    401: "not logged in",
    404: "no such room",
    409: "already taken",
    413: "body over 64 KiB (MAX_BODY_BYTES)",
    415: "not Content-Type: application/json",
    422: "invalid fields or query parameters",
    429: "rate limited (see Retry-After): per client address at Nginx, per account where counted",
    503: "a dependency is unavailable (see Retry-After)",
}


def _limit(default: int) -> dict:
    return {
        "name": "limit",
        "in": "query",
        "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": default},
    }


def _id_param(name: str, description: str) -> dict:
    return {
        "name": name,
        "in": "query",
        "description": description,
        "schema": {"type": "integer", "minimum": 0},
    }


SLUG = {"name": "slug", "in": "path", "required": True, "schema": {"type": "string"}}

# (method, path, summary, request body, {status: response shape or None}, parameters)
ROUTES: list[tuple[str, str, str, Schema | None, dict[int, str | None], list[dict]]] = [
    (
        "post",
        "/auth/register",
        "Create an account (not logged in)",
        CREDENTIALS,
        {201: "User", 409: None, 422: None, 429: None},
        [],
    ),
    (
        "post",
        "/auth/login",
        "Log in; sets the session cookie",
        LOGIN,
        {200: "User", 401: None, 422: None, 429: None},
        [],
    ),
    ("post", "/auth/logout", "Log out (also when anonymous)", None, {204: None}, []),
    ("get", "/me", "The logged-in user", None, {200: "User", 401: None}, []),
    (
        "get",
        "/rooms",
        "Rooms, newest first",
        None,
        {200: "RoomPage", 401: None, 422: None},
        [_limit(100), _id_param("before", "rooms with a smaller id")],
    ),
    (
        "post",
        "/rooms",
        "Create a room",
        NEW_ROOM,
        {201: "Room", 401: None, 409: None, 422: None, 429: None},
        [],
    ),
    ("get", "/rooms/{slug}", "One room", None, {200: "Room", 401: None, 404: None}, [SLUG]),
    (
        "get",
        "/rooms/{slug}/messages",
        "Messages in ascending id order: the newest before `before`, or the oldest after `after`",
        None,
        {200: "MessagePage", 401: None, 404: None, 422: None},
        [
            SLUG,
            _limit(50),
            _id_param("before", "messages with a smaller id"),
            _id_param("after", "messages with a larger id"),
        ],
    ),
    (
        "post",
        "/rooms/{slug}/messages",
        "Post a message; a repeated client_id returns the first one with 200",
        NEW_MESSAGE,
        {200: "Message", 201: "Message", 401: None, 404: None, 422: None, 429: None},
        [SLUG],
    ),
    ("get", "/openapi.json", "This document", None, {200: None}, []),
]


def _response(status: int, shape: str | None) -> dict:
    if status == 204 or (shape is None and status < 400):
        return {"description": "No content" if status == 204 else "OK"}
    ref = shape or "Error"
    description = ERRORS.get(status, "OK") if shape is None else "OK"
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{ref}"}}},
    }


@cache
def openapi_document() -> dict:
    paths: dict[str, dict] = {}
    schemas = dict(SHAPES)
    for method, path, summary, body, responses, parameters in ROUTES:
        operation: dict = {"summary": summary, "responses": {}}
        if parameters:
            operation["parameters"] = parameters
        if body is not None:
            schemas[body.name] = body.json_schema()
            operation["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{body.name}"}}},
            }
            responses = {**responses, 400: None, 413: None, 415: None}
        for status in sorted({**responses, 429: None, 503: None}):
            operation["responses"][str(status)] = _response(status, responses.get(status))
        paths.setdefault("/api/v1" + path, {})[method] = operation
    return {
        "openapi": "3.1.0",
        "info": {"title": "roomservice db-api", "version": "1"},
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {"session": {"type": "apiKey", "in": "cookie", "name": "session"}},
        },
        "security": [{"session": []}],
    }
