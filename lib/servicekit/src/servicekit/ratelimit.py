"""Rate limits on writes, with their state in Redis so they hold across replicas.

Flask-Limiter does the counting and the ``Retry-After`` header. Limits that
web's forms and db-api's JSON routes must share (login, register) use a
shared scope, so an attacker gains nothing by switching between them.
Limit values are read from the config at request time, so tests and load
runs change them through the environment.
"""

from __future__ import annotations

import time

from flask import Flask, current_app, request, session
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

limiter = Limiter(key_func=get_remote_address)


def init_ratelimit(app: Flask) -> None:
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config["REDIS_URL"])
    timeout = app.config["REDIS_SOCKET_TIMEOUT"]
    app.config.setdefault(
        "RATELIMIT_STORAGE_OPTIONS", {"socket_timeout": timeout, "socket_connect_timeout": timeout}
    )
    app.config.setdefault("RATELIMIT_KEY_PREFIX", "ratelimit")
    app.config.setdefault("RATELIMIT_STRATEGY", "moving-window")
    # No X-RateLimit-*/Retry-After on every response (Flask-Limiter's headers
    # also overwrote a 503's Retry-After): only a 429 says when to come back.
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", False)
    # Redis down: let writes through rather than refuse everyone; sessions
    # (also in Redis) already answer 503 then.
    app.config.setdefault("RATELIMIT_SWALLOW_ERRORS", True)
    limiter.init_app(app)


def retry_after_seconds() -> int:
    """Seconds until the breached limit of this request lets a request through."""
    breached = limiter.current_limit
    if breached is None:
        return 1
    return max(1, int(breached.reset_at - time.time()) + 1)


def account_key() -> str:
    """The account a login or register attempt names (JSON body or form)."""
    payload = request.get_json(silent=True) if request.is_json else request.form
    username = payload.get("username") if isinstance(payload, dict) or hasattr(payload, "get") else None
    if not isinstance(username, str):
        username = ""
    return "account:" + username.strip().lower()[:64]


def _limit(setting: str):
    return lambda: current_app.config[setting]


# Only attempts count: showing web's login or register form (GET) is free.
WRITES = ["POST"]


def limit_login(view):
    view = limiter.shared_limit(_limit("RATELIMIT_LOGIN"), scope="login-address", methods=WRITES)(view)
    return limiter.shared_limit(
        _limit("RATELIMIT_LOGIN"), scope="login-account", key_func=account_key, methods=WRITES
    )(view)


def limit_register(view):
    return limiter.shared_limit(_limit("RATELIMIT_REGISTER"), scope="register-address", methods=WRITES)(view)


def session_account_key() -> str:
    """The logged-in account of the shared session; anonymous writers count by address."""
    user_id = session.get("user_id")
    return f"user:{user_id}" if user_id is not None else "address:" + get_remote_address()


def _per_address_and_account(setting: str, name: str):
    """One limit counted twice: per client address and per logged-in account."""

    def decorate(view):
        view = limiter.shared_limit(_limit(setting), scope=f"{name}-address", methods=WRITES)(view)
        return limiter.shared_limit(
            _limit(setting), scope=f"{name}-account", key_func=session_account_key, methods=WRITES
        )(view)

    return decorate


limit_messages = _per_address_and_account("RATELIMIT_MESSAGES", "messages")
# Each upload may hold a file transfer slot of db-api for minutes and adds to
# the disk: counted before the first byte of the body is read.
limit_uploads = _per_address_and_account("RATELIMIT_UPLOADS", "uploads")
