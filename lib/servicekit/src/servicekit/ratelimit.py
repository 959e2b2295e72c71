"""Rate limits on writes, with their state in Redis so they hold across replicas.

Flask-Limiter does the counting and the ``Retry-After`` header. Limits that
web's forms and db-api's JSON routes must share (login, register, rooms) use
a shared scope, so an attacker gains nothing by switching between them; the
per-account message budget is shared the same way by db-api's public and
internal message routes, so HTTP posts and WebSocket frames draw on one bucket.
Limit values are read from the config at request time, so tests and load
runs change them through the environment. Every 429 is answered by
:mod:`servicekit.errors`.

Logins have three buckets (the numbers and why: docs/security.md):

* every attempt per client address (``RATELIMIT_LOGIN``);
* failed attempts per account and address (``RATELIMIT_LOGIN_FAILED``), so
  guessing one account from one address is slow;
* failed attempts per account from all addresses (``RATELIMIT_LOGIN_ACCOUNT``),
  a ceiling above what one address can reach, so one address cannot lock the
  owner out everywhere, while many addresses together still guess slowly.

Only a failed attempt (401) counts toward the account buckets
(``deduct_when``): the owner's successful login never spends them.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable

from flask import Flask, current_app, g, has_app_context, request, session
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from redis.exceptions import RedisError
from werkzeug.exceptions import HTTPException

from servicekit.accounts import account_name
from servicekit.metrics import count_rate_limited, count_redis_error


def count_breach(breached) -> None:
    """Every refusal counts under the limit's scope (``login-address``, ``messages-account``, ...).

    Flask-Limiter stops at the first breached limit, so one 429 counts once.
    """
    count_rate_limited(breached.request_args[-1])


class SwallowedErrorCounter(logging.Handler):
    """Counts the Redis errors Flask-Limiter swallows: it reports them only in its log."""

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info and isinstance(record.exc_info[1], RedisError) and has_app_context():
            count_redis_error("rate_limit")


limiter = Limiter(key_func=get_remote_address, on_breach=count_breach)
SWALLOWED_ERRORS = SwallowedErrorCounter()


def init_ratelimit(app: Flask) -> None:
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config["REDIS_URL"])
    timeout = app.config["REDIS_SOCKET_TIMEOUT"]
    app.config.setdefault(
        "RATELIMIT_STORAGE_OPTIONS",
        {
            "socket_timeout": timeout,
            "socket_connect_timeout": timeout,
            "password": app.config["REDIS_PASSWORD"] or None,
        },
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
    limiter.logger.addHandler(SWALLOWED_ERRORS)


def retry_after_seconds() -> int:
    """Seconds until the breached limit of this request lets a request through."""
    breached = limiter.current_limit
    if breached is None:
        return 1
    return max(1, int(breached.reset_at - time.time()) + 1)


def _limit(setting: str):
    return lambda: current_app.config[setting]


# Only attempts count: showing web's login or register form (GET) is free.
WRITES = ["POST"]


def _attempted_account() -> str | None:
    return g.get("login_account")


def _account_key() -> str:
    return f"account:{_attempted_account()}"


def _account_address_key() -> str:
    return f"account:{_attempted_account()}:{get_remote_address()}"


def _names_no_account() -> bool:
    return _attempted_account() is None


def _failed(response) -> bool:
    return response.status_code == 401


def _failed_logins(setting: str, scope: str, key_func: Callable[[], str]):
    return limiter.shared_limit(
        _limit(setting),
        scope=scope,
        key_func=key_func,
        methods=WRITES,
        exempt_when=_names_no_account,
        deduct_when=_failed,
    )


def limit_login(username_of: Callable[[], object]):
    """The login buckets around a login view.

    ``username_of`` returns the name the attempt gives, read from the body the
    view itself uses (db-api: the parsed JSON, web: the form), so the body is
    parsed once, after its size was checked (:mod:`servicekit.bodies`), and
    never inside the limiter. A bad body counts as naming no account; the view
    then answers it (400, 415, 422). A name that breaks the username rule
    names no account either: it counts per address only, and db-api refuses it
    like a wrong password.
    """

    def decorate(view):
        limited = _failed_logins("RATELIMIT_LOGIN_ACCOUNT", "login-failed-account", _account_key)(view)
        limited = _failed_logins(
            "RATELIMIT_LOGIN_FAILED", "login-failed-account-address", _account_address_key
        )(limited)
        limited = limiter.shared_limit(_limit("RATELIMIT_LOGIN"), scope="login-address", methods=WRITES)(
            limited
        )

        @functools.wraps(view)
        def attempt(*args, **kwargs):
            try:
                name = username_of() if request.method in WRITES else None
            except HTTPException:  # a bad body, which the view answers
                name = None
            g.login_account = account_name(name)
            return limited(*args, **kwargs)

        return attempt

    return decorate


def limit_register(view):
    return limiter.shared_limit(_limit("RATELIMIT_REGISTER"), scope="register-address", methods=WRITES)(view)


# The per-account message budget: one bucket per account, whatever the
# transport (HTTP posts, and WebSocket frames through the internal route).
MESSAGES_ACCOUNT_SCOPE = "messages-account"


def account_bucket(user_id: object) -> str:
    return f"user:{user_id}"


def session_account_key() -> str:
    """The logged-in account of the shared session; anonymous writers count by address."""
    user_id = session.get("user_id")
    return account_bucket(user_id) if user_id is not None else "address:" + get_remote_address()


def _per_address_and_account(setting: str, name: str):
    """Two buckets: the client address, and the account (``<name>-account``)."""

    def decorate(view):
        view = limiter.shared_limit(_limit(setting), scope=f"{name}-address", methods=WRITES)(view)
        return limiter.shared_limit(
            _limit(setting), scope=f"{name}-account", key_func=session_account_key, methods=WRITES
        )(view)

    return decorate


limit_messages = _per_address_and_account("RATELIMIT_MESSAGES", "messages")
limit_rooms = _per_address_and_account("RATELIMIT_ROOMS", "rooms")


# Each upload may hold a file transfer slot of db-api for minutes and adds to
# the disk: counted before the first byte of the body is read.
limit_uploads = _per_address_and_account("RATELIMIT_UPLOADS", "uploads")


def _internal_body() -> dict:
    """An internal call's JSON object, read leniently: the view validates it properly."""
    try:
        payload = request.get_json(silent=True)
    except HTTPException:  # too large: the view answers it
        return {}
    return payload if isinstance(payload, dict) else {}


def acting_account_key() -> str:
    """The account a service acts for: the ``user_id`` of the internal call's body.

    A body without a valid id is answered 422 by the view; its attempt counts
    in one bucket of its own.
    """
    user_id = _internal_body().get("user_id")
    valid = isinstance(user_id, int) and not isinstance(user_id, bool)
    return account_bucket(user_id if valid else "unknown")


def announces_upload() -> bool:
    """``"limited": false``: web's message announcing an upload, bounded by the upload's own limit.

    Refusing it would leave a stored file nobody was told about.
    """
    return _internal_body().get("limited") is False


def limit_messages_for_account(view):
    """The internal message route (ws frames, web's upload notes): the public route's account bucket.

    ws and web call with a service token, so there is no session and no client
    address to key on; the body names the account. Because both routes draw on
    the same bucket, HTTP posts and WebSocket frames share one budget, and no
    caller restates the rule.
    """
    return limiter.shared_limit(
        _limit("RATELIMIT_MESSAGES"),
        scope=MESSAGES_ACCOUNT_SCOPE,
        key_func=acting_account_key,
        methods=WRITES,
        exempt_when=announces_upload,
    )(view)
