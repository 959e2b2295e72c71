"""The shared login: one Flask-Session session in Redis for all three services.

docs/api.md ("Conventions") needs every service to read and write the same
session. Flask-Session's Redis interface does that; this subclass adds what a
production deployment needs on top of it:

* health, readiness and metrics paths never look the session up;
* Redis down is a clear 503, not a 500 after seconds of retries: the session
  is marked unavailable and :func:`refuse_unavailable_session` aborts before
  the view runs;
* login regenerates the session id (no fixation) and logout deletes the
  session in Redis, so a replayed cookie is anonymous.
"""

from __future__ import annotations

from typing import TypedDict

from flask import Flask, current_app, request, session
from flask_session.redis import RedisSessionInterface
from redis.exceptions import RedisError
from werkzeug.exceptions import ServiceUnavailable

from servicekit.metrics import count_redis_error


class User(TypedDict):
    id: int
    username: str


class SharedSessionInterface(RedisSessionInterface):
    """Flask-Session's Redis sessions, skipping exempt paths and failing fast."""

    def __init__(self, app: Flask, sessionless_paths: frozenset[str], **kwargs):
        super().__init__(app, **kwargs)
        self.sessionless_paths = sessionless_paths

    def _blank(self):
        return self.session_class(sid=self._generate_sid(self.sid_length), permanent=self.permanent)

    def open_session(self, app, request):
        if request.path in self.sessionless_paths:
            blank = self._blank()
            blank.exempt = True
            return blank
        try:
            return super().open_session(app, request)
        except RedisError:
            count_redis_error("session", app)
            blank = self._blank()
            blank.unavailable = True
            return blank

    def save_session(self, app, session, response):
        if getattr(session, "exempt", False) or getattr(session, "unavailable", False):
            return
        if not session and self.get_cookie_name(app) not in request.cookies:
            # Nothing was stored and there is no cookie to clear (e.g. a flash
            # shown on the page that set it): skip the pointless Redis DELETE.
            return
        super().save_session(app, session, response)


def init_sessions(app: Flask, redis_client, sessionless_paths: frozenset[str]) -> None:
    app.session_interface = SharedSessionInterface(
        app,
        sessionless_paths=sessionless_paths,
        client=redis_client,
        key_prefix=app.config["SESSION_KEY_PREFIX"],
        permanent=True,
        serialization_format="msgpack",
    )
    app.before_request(refuse_unavailable_session)


def refuse_unavailable_session() -> None:
    """Answer 503 before the view when the session store could not be read."""
    if getattr(session, "unavailable", False):
        raise ServiceUnavailable("The session store is unavailable; try again shortly.")


def current_user() -> User | None:
    """The logged-in user of this request, from the shared session."""
    user_id = session.get("user_id")
    if user_id is None:
        return None
    return {"id": user_id, "username": session["username"]}


def log_in(user: User) -> None:
    """Start a fresh session for ``user``: a new id, so no fixation."""
    current_app.session_interface.regenerate(session)
    session.clear()
    session["user_id"] = user["id"]
    session["username"] = user["username"]


def log_out() -> None:
    """Delete the session in Redis; the cookie is cleared on the response."""
    session.clear()


def session_id() -> str | None:
    """The id of the stored session (ws watches it to close revoked sockets)."""
    return session.sid if current_user() is not None else None


def session_exists(sid: str, redis_client) -> bool:
    return bool(redis_client.exists(current_app.config["SESSION_KEY_PREFIX"] + sid))


__all__ = [
    "RedisError",
    "User",
    "current_user",
    "init_sessions",
    "log_in",
    "log_out",
    "session_exists",
    "session_id",
]
