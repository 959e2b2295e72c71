"""The JSON frames of ``/ws/rooms/<slug>`` (docs/websocket.md).

Client frames are checked here with the API's rules (:mod:`servicekit.rules`,
the objects db-api validates with) before anything reaches db-api, so a bad
frame costs no round trip and always gets the same error frame; the socket
stays open either way. Every error frame names the
``client_id`` of the frame that failed (``null`` when it had none), so a
client can tell which of its messages was refused.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from servicekit.rules import CLIENT_ID, MESSAGE_BODY, RuleError, TextRule

PONG = json.dumps({"type": "pong"})


class InvalidFrame(Exception):
    """A client frame the protocol does not accept; ``code`` goes in the error frame."""

    def __init__(self, code: str, message: str, client_id: str | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.client_id = client_id


@dataclass(frozen=True)
class Ping:
    client_id = None


@dataclass(frozen=True)
class Post:
    body: str
    client_id: str


def parse(text: str) -> Ping | Post:
    """A client frame as :class:`Ping` or :class:`Post`, else :class:`InvalidFrame`."""
    try:
        frame = json.loads(text)
    except ValueError:
        raise InvalidFrame("invalid_json", "Frames must be JSON text.") from None
    if not isinstance(frame, dict):
        raise InvalidFrame("invalid_frame", "A frame must be a JSON object.")
    kind = frame.get("type")
    if kind == "ping":
        return Ping()
    client_id = frame.get("client_id")
    if kind != "message":
        raise InvalidFrame("unknown_type", "type must be 'message' or 'ping'.", echoable(client_id))
    try:
        return Post(body=valid_body(frame.get("body")), client_id=valid_client_id(client_id))
    except InvalidFrame as exc:
        exc.client_id = echoable(client_id)
        raise


def echoable(client_id) -> str | None:
    """The frame's ``client_id`` if it is one the contract accepts (never echo anything else)."""
    return client_id if CLIENT_ID.accepts(client_id) else None


def checked(field: str, rule: TextRule, value) -> str:
    """``value`` as the rule stores it, else a ``validation_error`` in the API's words."""
    try:
        return rule.clean(value)
    except RuleError as exc:
        raise InvalidFrame("validation_error", f"{field} {exc.problem}.") from None


def valid_body(body) -> str:
    return checked("body", MESSAGE_BODY, body)


def valid_client_id(client_id) -> str:
    return checked("client_id", CLIENT_ID, client_id)


def error(code: str, message: str, client_id: str | None = None, **extra) -> str:
    """An error frame; ``rate_limited`` ones add ``retry_after``, the seconds until the frame would pass."""
    return json.dumps({"type": "error", "code": code, "message": message, "client_id": client_id, **extra})


def message(stored: dict) -> str:
    return json.dumps({"type": "message", **stored})


def presence(users: list[str]) -> str:
    return json.dumps({"type": "presence", "users": users})
