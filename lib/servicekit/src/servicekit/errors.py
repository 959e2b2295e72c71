"""Every error answered in the service's own shape, never a traceback.

A service passes a ``render(status, code, message, fields)`` function: JSON
for db-api and ws, an HTML page for web. HTTP errors keep their status; a
Redis failure is a 503 (it can surface as the 500 Flask raises for errors
outside a view, so that case is unwrapped); anything else is logged with its
traceback and answered 500.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, Response, jsonify
from redis.exceptions import RedisError
from werkzeug.exceptions import HTTPException, InternalServerError

from servicekit.logs import get_logger
from servicekit.metrics import count_redis_error

Render = Callable[..., Response]

ERROR_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
    500: "internal_error",
    502: "bad_gateway",
    503: "unavailable",
    504: "timeout",
}

GENERIC_500 = "Something went wrong on our side."

log = get_logger(__name__)


def render_json_error(status: int, code: str, message: str, fields: dict | None = None) -> Response:
    """The API's JSON error shape (docs/api.md, "Errors"); db-api and ws answer with it."""
    error = {"code": code, "message": message}
    if fields:
        error["fields"] = fields
    response = jsonify(error=error)
    response.status_code = status
    return response


def error_code(status: int) -> str:
    return ERROR_CODES.get(status, "bad_request" if status < 500 else "internal_error")


def register_error_handlers(app: Flask, render: Render) -> None:
    def http_error(exc: HTTPException):
        original = getattr(exc, "original_exception", None)
        if isinstance(exc, InternalServerError) and isinstance(original, RedisError):
            return redis_error(original)
        if isinstance(exc, InternalServerError) and original is not None:
            log.error("unhandled_error", exc_info=original)
        status = exc.code or 500
        message = exc.description if status < 500 or status == 503 else GENERIC_500
        response = render(status, error_code(status), message)
        for name, value in exc.get_headers():
            if name.lower() not in {"content-type", "content-length"}:
                response.headers[name] = value
        if status == 429:
            # Only Flask-Limiter answers 429 through here, in the services
            # that install it: ws does not, so the import waits until then.
            from servicekit.ratelimit import retry_after_seconds

            response.headers["Retry-After"] = str(retry_after_seconds())
        return response

    def redis_error(exc: RedisError):
        log.warning("redis_unavailable", error=repr(exc))
        count_redis_error("request")
        response = render(503, "unavailable", "A backing service is unavailable; try again shortly.")
        response.headers["Retry-After"] = "1"
        return response

    def unexpected(exc: Exception):
        if isinstance(exc, HTTPException):
            return http_error(exc)
        if app.debug:
            raise exc  # development only: Werkzeug's debugger page shows it
        log.error("unhandled_error", exc_info=exc)
        return render(500, "internal_error", GENERIC_500)

    app.register_error_handler(HTTPException, http_error)
    app.register_error_handler(RedisError, redis_error)
    app.register_error_handler(Exception, unexpected)
