"""The shared login: one session cookie that web, ws and db-api all honour.

A session is one of two kinds, and the cookie's value says which:

* **Anonymous** (most visitors): Flask's own signed cookie session
  (itsdangerous, HttpOnly). The CSRF token and flashes live in the cookie, so
  a visitor who never logs in costs Redis nothing; a signed cookie can never
  hold a login (:func:`current_user` trusts only stored sessions).
* **Stored**, from :func:`log_in` on: the cookie holds only a fresh random
  id and the data lives in Redis under ``SESSION_KEY_PREFIX + id``. A login
  always mints a new id (no fixation); :func:`log_out` deletes the key.

What whole-session stores get wrong, and this one does not:

* A request writes a stored session back only if its key still exists
  (``SET … XX KEEPTTL``): a request that loaded the session before a logout
  and saves it after cannot bring it back to life.
* It ends after ``SESSION_IDLE_TIMEOUT_SECONDS`` without a request and at
  ``SESSION_ABSOLUTE_TIMEOUT_SECONDS`` after the login, whatever happens. The
  key's TTL is both: never longer than the absolute deadline, and moved
  forward (``PEXPIRE``, which cannot create a key either) only once a
  hundredth of the idle time has passed, so reading a session is not a
  write on every request.
* Each user's live session ids are kept in a sorted set (score: absolute
  deadline), so :func:`end_other_sessions` is one call. A login prunes it
  (dead and expired ids) and keeps at most ``SESSIONS_PER_USER`` live ones,
  ending the oldest. It has no TTL, so eviction never drops it (see
  docs/design.md, "Redis memory").

Health, readiness and metrics paths never look the session up, and Redis down
is a clear 503 (:func:`refuse_unavailable_session`) instead of a 500 after
seconds of retries. Each Redis failure handled here is counted
(``roomservice_redis_errors_total{operation="session"}``); the ones raised
from log_in, log_out and end_other_sessions become a 503 counted by
servicekit.errors.
"""

from __future__ import annotations

import re
import secrets
import time
from datetime import datetime, timezone
from typing import TypedDict

from flask import Flask, current_app, request, session
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from redis.exceptions import RedisError
from werkzeug.exceptions import ServiceUnavailable

from servicekit.config import ConfigError
from servicekit.logs import get_logger
from servicekit.metrics import count_redis_error

# secrets.token_urlsafe(32): 43 URL-safe characters. A signed cookie always
# contains dots, so the two kinds of cookie value can never be confused.
SESSION_ID = re.compile(r"[A-Za-z0-9_-]{43}")
SESSION_ID_BYTES = 32
# A stored session's TTL is moved forward once this fraction of the idle time has passed.
REFRESH_FRACTION = 100

log = get_logger(__name__)


class User(TypedDict):
    id: int
    username: str


class SharedSession(SecureCookieSession):
    """One request's session: anonymous while ``sid`` is None, stored otherwise."""

    def __init__(self, initial=None, sid: str | None = None, created: float | None = None):
        super().__init__(initial)
        self.sid = sid
        self.created = created  # when log_in stored it (epoch s): the absolute deadline counts from here
        self.started = False  # stored by log_in during this request: the cookie must carry the new id
        self.exempt = False  # a health path: nothing read, nothing written
        self.unavailable = False  # Redis could not be read: the request is refused with 503


class SharedSessionInterface(SecureCookieSessionInterface):
    """Anonymous sessions in the signed cookie, logins in Redis (see the module docstring)."""

    session_class = SharedSession

    def __init__(self, redis, *, key_prefix: str, idle: int, absolute: int, per_user: int, sessionless_paths):
        for name, value in (
            ("SESSION_IDLE_TIMEOUT_SECONDS", idle),
            ("SESSION_ABSOLUTE_TIMEOUT_SECONDS", absolute),
            ("SESSIONS_PER_USER", per_user),
        ):
            if value < 1:
                raise ConfigError(f"{name} must be at least 1, not {value}")
        self.redis = redis
        self.key_prefix = key_prefix
        self.idle = idle
        self.absolute = absolute
        self.per_user = per_user
        self.sessionless_paths = sessionless_paths

    def key(self, sid: str) -> str:
        return self.key_prefix + sid

    def index_key(self, user_id: int) -> str:
        """The sorted set of a user's session ids (``:`` never occurs in an id)."""
        return f"{self.key_prefix}user:{user_id}"

    def ttl_ms(self, created: float, now: float) -> int:
        """What is left of a session's life: the idle time, capped by the absolute deadline."""
        return int(min(self.idle, created + self.absolute - now) * 1000)

    # --- Flask's SessionInterface ------------------------------------------

    def open_session(self, app: Flask, request) -> SharedSession:
        if request.path in self.sessionless_paths:
            blank = self.session_class()
            blank.exempt = True
            return blank
        value = request.cookies.get(self.get_cookie_name(app), "")
        if not SESSION_ID.fullmatch(value):
            return super().open_session(app, request)  # the signed cookie (or nothing)
        try:
            return self.load(value) or self.session_class()
        except RedisError as exc:
            count_redis_error("session", app)
            log.warning("session_load_failed", error=repr(exc))
            blank = self.session_class()
            blank.unavailable = True
            return blank

    def save_session(self, app: Flask, session: SharedSession, response) -> None:
        if session.exempt or session.unavailable:
            return
        if session.sid is None:
            if session or self.get_cookie_name(app) in request.cookies:
                super().save_session(app, session, response)
            # else: nothing to store and no cookie to clear (a flash shown on the page that set it)
            return
        if session.accessed:
            response.vary.add("Cookie")  # what a logged-in page shows depends on who asks
        if session.modified:
            self.write_back(session)
        if session.started:
            response.set_cookie(
                self.get_cookie_name(app),
                session.sid,
                expires=datetime.fromtimestamp(session.created + self.absolute, timezone.utc),
                httponly=self.get_cookie_httponly(app),
                domain=self.get_cookie_domain(app),
                path=self.get_cookie_path(app),
                secure=self.get_cookie_secure(app),
                samesite=self.get_cookie_samesite(app),
            )

    # --- stored sessions -----------------------------------------------------

    def dumps(self, session: SharedSession) -> str:
        return self.serializer.dumps({"created": session.created, "data": dict(session)})

    def load(self, sid: str) -> SharedSession | None:
        """The stored session ``sid``, or None when it ended (or is not ours to read)."""
        key = self.key(sid)
        pipe = self.redis.pipeline(transaction=False)
        pipe.get(key)
        pipe.pttl(key)
        raw, left_ms = pipe.execute()
        if raw is None or left_ms == -2:
            return None
        try:
            record = self.serializer.loads(raw)
            stored = self.session_class(record["data"], sid=sid, created=float(record["created"]))
        except (ValueError, TypeError, KeyError):
            # Not this module's format (e.g. an older release's): treated as logged out.
            return None
        target_ms = self.ttl_ms(stored.created, time.time())
        if target_ms <= 0:
            return None
        if target_ms - left_ms > self.idle * 1000 // REFRESH_FRACTION:
            self.redis.pexpire(key, target_ms)  # a no-op if it ended meanwhile
        return stored

    def write_back(self, session: SharedSession) -> None:
        """Save a stored session's changes, only if it still exists."""
        try:
            written = self.redis.set(self.key(session.sid), self.dumps(session), xx=True, keepttl=True)
        except RedisError as exc:
            # The request's work is done; losing a flash is better than a 503 for it.
            count_redis_error("session")
            log.warning("session_write_failed", error=repr(exc))
            return
        if not written:
            log.info("session_ended_meanwhile", user_id=session.get("user_id"))

    def start(self, session: SharedSession) -> None:
        """Store ``session`` (already holding the login) under a fresh id."""
        now = time.time()
        sid = secrets.token_urlsafe(SESSION_ID_BYTES)
        index = self.index_key(session["user_id"])
        pipe = self.redis.pipeline(transaction=False)
        pipe.zremrangebyscore(index, "-inf", now)
        pipe.zrange(index, 0, -1)
        others = [member.decode() for member in pipe.execute()[1]]  # oldest first
        alive = live_session_ids(self.redis, self.key_prefix, others)
        dead = [other for other in others if other not in alive]
        still = [other for other in others if other in alive]
        excess = still[: max(0, len(still) - (self.per_user - 1))]
        session.created = now
        pipe = self.redis.pipeline(transaction=False)
        pipe.set(self.key(sid), self.dumps(session), px=self.ttl_ms(now, now), nx=True)
        if excess:
            pipe.delete(*(self.key(other) for other in excess))
        if dead or excess:
            pipe.zrem(index, *dead, *excess)
        pipe.zadd(index, {sid: now + self.absolute})
        pipe.execute()
        session.sid = sid
        session.started = True
        session.modified = False

    def end(self, session: SharedSession) -> None:
        """Delete a stored session and its index entry; the session becomes anonymous."""
        if session.sid is not None:
            pipe = self.redis.pipeline(transaction=False)
            pipe.delete(self.key(session.sid))
            if "user_id" in session:
                pipe.zrem(self.index_key(session["user_id"]), session.sid)
            pipe.execute()
        session.sid = session.created = None
        session.started = False
        session.clear()

    def end_sessions(self, user_id: int, keep: str | None = None) -> int:
        """End every session of ``user_id`` except ``keep``; how many were alive."""
        index = self.index_key(user_id)
        sids = (member.decode() for member in self.redis.zrange(index, 0, -1))
        doomed = [sid for sid in sids if sid != keep]
        if not doomed:
            return 0
        pipe = self.redis.pipeline(transaction=False)
        pipe.delete(*(self.key(sid) for sid in doomed))
        pipe.zrem(index, *doomed)
        return pipe.execute()[0]


def init_sessions(app: Flask, redis_client, sessionless_paths: frozenset[str]) -> None:
    app.session_interface = SharedSessionInterface(
        redis_client,
        key_prefix=app.config["SESSION_KEY_PREFIX"],
        idle=app.config["SESSION_IDLE_TIMEOUT_SECONDS"],
        absolute=app.config["SESSION_ABSOLUTE_TIMEOUT_SECONDS"],
        per_user=app.config["SESSIONS_PER_USER"],
        sessionless_paths=sessionless_paths,
    )
    app.before_request(refuse_unavailable_session)


def refuse_unavailable_session() -> None:
    """Answer 503 before the view when the session store could not be read."""
    if session.unavailable:
        raise ServiceUnavailable("The session store is unavailable; try again shortly.")


def live_session_ids(redis_client, key_prefix: str, sids: list[str]) -> set[str]:
    """Which of ``sids`` are still stored, in one pipelined round of EXISTS."""
    if not sids:
        return set()
    pipe = redis_client.pipeline(transaction=False)
    for sid in sids:
        pipe.exists(key_prefix + sid)
    return {sid for sid, exists in zip(sids, pipe.execute(), strict=True) if exists}


def current_user() -> User | None:
    """The logged-in user of this request: only a stored session can hold one."""
    if session.sid is None or "user_id" not in session:
        return None
    return {"id": session["user_id"], "username": session["username"]}


def log_in(user: User) -> None:
    """Store a fresh session for ``user`` under a new id (no fixation).

    A stored session this browser had (logged in as someone) ends first;
    anonymous data (the CSRF token, flashes) is dropped with it.
    """
    interface: SharedSessionInterface = current_app.session_interface
    interface.end(session)
    session["user_id"] = user["id"]
    session["username"] = user["username"]
    try:
        interface.start(session)
    except RedisError:
        session.clear()  # not stored, so never left for the anonymous cookie either
        raise


def log_out() -> None:
    """Delete the stored session; the browser keeps an empty anonymous one."""
    current_app.session_interface.end(session)


def end_other_sessions() -> int:
    """End every session of the logged-in user but this one (password change,
    "sign out everywhere else"); ws closes their sockets with 4401. Returns
    how many were alive."""
    user = current_user()
    if user is None:
        return 0
    return current_app.session_interface.end_sessions(user["id"], keep=session.sid)


def session_id() -> str | None:
    """The id of the stored session (ws watches it to close revoked sockets)."""
    return session.sid if current_user() is not None else None


__all__ = [
    "RedisError",
    "User",
    "current_user",
    "end_other_sessions",
    "init_sessions",
    "live_session_ids",
    "log_in",
    "log_out",
    "session_id",
]
