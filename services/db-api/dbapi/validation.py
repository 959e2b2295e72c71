"""Request validation: tiny explicit validators instead of pydantic.

The rules themselves (lengths, characters, trimming, messages) are
:mod:`servicekit.rules`, shared with web's forms and ws's frames; this module
applies them to JSON bodies and query strings.

Why not pydantic (docs/design.md): the API's rules are mostly ones pydantic does not have
(Unicode-whitespace trimming before counting code points, NUL and lone
surrogates refused, its exact precedence of 415/400/422, bodies that must be
objects) and would each need a custom validator anyway; its error messages
would need rewriting into the error's ``fields`` map; and it would add a
compiled dependency to every image. Each field here also describes itself as
JSON Schema, so :mod:`dbapi.openapi` documents exactly what is enforced.
"""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import dataclass
from typing import Any

from flask import g, request

from dbapi.errors import ApiError, ValidationError
from servicekit import rules
from servicekit.rules import RuleError, TextRule

MAX_ID = 2**63 - 1
SLUG_MAX = 64


class FieldError(ValueError):
    """One field's problem; the message goes into ``fields``."""


@dataclass(frozen=True)
class Text:
    """A string field following one of :mod:`servicekit.rules`' rules."""

    rule: TextRule
    required: bool = True

    def clean(self, value: Any) -> str:
        try:
            return self.rule.clean(value)
        except RuleError as exc:
            raise FieldError(exc.problem) from None

    def schema(self) -> dict:
        rule = self.rule
        schema: dict[str, Any] = {"type": "string", "minLength": rule.min, "maxLength": rule.max}
        if rule.pattern:
            schema["pattern"] = f"^{rule.pattern}$"
        if not self.required:
            schema["type"] = ["string", "null"]
        return schema


@dataclass(frozen=True)
class Id:
    """A positive integer id (JSON booleans are not integers here)."""

    required: bool = True

    def clean(self, value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise FieldError("must be an integer")
        if not 1 <= value <= MAX_ID:
            raise FieldError("must be a positive integer")
        return value

    def schema(self) -> dict:
        return {"type": "integer", "minimum": 1}


USERNAME = Text(rules.USERNAME)
PASSWORD = Text(rules.PASSWORD)
ROOM_NAME = Text(rules.ROOM_NAME)
MESSAGE_BODY = Text(rules.MESSAGE_BODY)
CLIENT_ID = Text(rules.CLIENT_ID, required=False)


@dataclass(frozen=True)
class Schema:
    """A JSON object's fields; unknown fields are ignored."""

    name: str
    fields: dict[str, Text | Id]

    def validate(self, payload: dict) -> dict[str, Any]:
        clean: dict[str, Any] = {}
        errors: dict[str, str] = {}
        for name, field in self.fields.items():
            value = payload.get(name)
            if value is None:
                if field.required:
                    errors[name] = "is required"
                else:
                    clean[name] = None
                continue
            try:
                clean[name] = field.clean(value)
            except FieldError as exc:
                errors[name] = str(exc)
        if errors:
            raise ValidationError(errors)
        return clean

    def json_schema(self) -> dict:
        return {
            "type": "object",
            "properties": {name: field.schema() for name, field in self.fields.items()},
            "required": [name for name, field in self.fields.items() if field.required],
        }


CREDENTIALS = Schema("Credentials", {"username": USERNAME, "password": PASSWORD})
LOGIN = Schema("Login", {"username": Text(rules.LOGIN_USERNAME), "password": Text(rules.LOGIN_PASSWORD)})
NEW_ROOM = Schema("NewRoom", {"name": ROOM_NAME})
NEW_MESSAGE = Schema("NewMessage", {"body": MESSAGE_BODY, "client_id": CLIENT_ID})
INTERNAL_NEW_ROOM = Schema("InternalNewRoom", {"name": ROOM_NAME, "user_id": Id()})
INTERNAL_NEW_MESSAGE = Schema(
    "InternalNewMessage", {"user_id": Id(), "body": MESSAGE_BODY, "client_id": CLIENT_ID}
)


def _parse_json() -> Any:
    if not request.is_json:
        raise ApiError(415, "Send the body as Content-Type: application/json.")
    try:
        payload = json.loads(request.get_data(cache=False))
    except (ValueError, UnicodeDecodeError):
        raise ApiError(400, "The body is not valid JSON.") from None
    except RecursionError:  # nesting deeper than the parser's stack
        raise ApiError(400, "The body is nested too deeply.") from None
    if not isinstance(payload, dict):
        raise ApiError(400, "The body must be a JSON object.")
    return payload


def json_payload() -> dict[str, Any]:
    """The request's JSON object, parsed once per request (415, then 400).

    The body's size was checked before (``servicekit.bodies``); the result,
    or the error, is kept, so the login limiter reading the username and the
    view reading the whole body share one parse.
    """
    if "json_payload" not in g:
        try:
            g.json_payload = _parse_json()
        except ApiError as exc:
            g.json_payload = exc
    if isinstance(g.json_payload, ApiError):
        raise g.json_payload
    return g.json_payload


def json_body(schema: Schema) -> dict[str, Any]:
    """The request's JSON object, validated: 415, then 400, then 422."""
    return schema.validate(json_payload())


@dataclass(frozen=True)
class Page:
    limit: int
    before: int | None = None
    after: int | None = None


def _int_arg(args, name: str, low: int, high: int, errors: dict[str, str]) -> int | None:
    raw = args.get(name)
    if raw is None:
        return None
    if not re.fullmatch(r"[0-9]{1,19}", raw) or not low <= int(raw) <= high:
        errors[name] = f"must be an integer from {low} to {high}"
        return None
    return int(raw)


def page_args(args, default_limit: int, allow_after: bool) -> Page:
    """``limit`` 1-100 and ``before``/``after`` ids from the query string, else 422."""
    errors: dict[str, str] = {}
    limit = _int_arg(args, "limit", 1, 100, errors)
    before = _int_arg(args, "before", 0, MAX_ID, errors)
    after = _int_arg(args, "after", 0, MAX_ID, errors) if allow_after else None
    if before is not None and after is not None:
        errors["after"] = "cannot be combined with before"
    if errors:
        raise ValidationError(errors)
    return Page(default_limit if limit is None else limit, before, after)


def is_slug(value: str) -> bool:
    return re.fullmatch(r"[a-z0-9-]{1,64}", value) is not None


def slugify(name: str) -> str:
    """The documented slug: lowercase, runs of non-``[a-z0-9]`` as one ``-``, at most 64."""
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:SLUG_MAX].strip("-")
    return slug or f"room-{secrets.token_hex(4)}"
