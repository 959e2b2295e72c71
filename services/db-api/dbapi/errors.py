"""db-api's error answers: always ``{"error": {"code", "message", "fields"?}}``.

servicekit's handlers cover Werkzeug's own errors (404, 405, 413, 415, ...),
Redis failures and anything unexpected; this module adds the JSON renderer,
:class:`ApiError` for the views, and the database failures: MariaDB
unreachable (PyMySQL reports it as a misleading ``InterfaceError(0, '')``) or
the pool exhausted are a 503 with ``Retry-After: 1``, never a 500, and so is
:class:`Busy` (every file transfer slot taken).
"""

from __future__ import annotations

from flask import Flask

from dbapi.db import DB_ERRORS, PoolTimeout, is_unavailable
from servicekit.errors import GENERIC_500, error_code, register_error_handlers, render_json_error
from servicekit.logs import get_logger

log = get_logger(__name__)


class ApiError(Exception):
    """An error a view answers on purpose, in the API's error shape."""

    def __init__(self, status: int, message: str, fields: dict[str, str] | None = None, code: str = ""):
        super().__init__(message)
        self.status = status
        self.code = code or error_code(status)
        self.message = message
        self.fields = fields


class Busy(Exception):
    """A bounded resource is in use to its limit right now: 503 with ``Retry-After``."""


class ValidationError(ApiError):
    def __init__(self, fields: dict[str, str]):
        super().__init__(422, "The request is not valid.", fields)


def unavailable(message: str):
    response = render_json_error(503, "unavailable", message)
    response.headers["Retry-After"] = "1"
    return response


def init_errors(app: Flask) -> None:
    register_error_handlers(app, render_json_error)

    @app.errorhandler(ApiError)
    def api_error(exc: ApiError):
        return render_json_error(exc.status, exc.code, exc.message, exc.fields)

    @app.errorhandler(Busy)
    def busy(exc: Busy):
        return unavailable(str(exc))

    @app.errorhandler(PoolTimeout)
    def pool_timeout(exc: PoolTimeout):
        log.warning("db_pool_timeout", error=str(exc))
        return unavailable("The database is busy; try again shortly.")

    for error_class in DB_ERRORS:

        @app.errorhandler(error_class)
        def db_error(exc):
            if not is_unavailable(exc):
                log.error("unhandled_error", exc_info=exc)
                return render_json_error(500, "internal_error", GENERIC_500)
            log.warning("db_unavailable", error=repr(exc))
            return unavailable("The database is unavailable; try again shortly.")
