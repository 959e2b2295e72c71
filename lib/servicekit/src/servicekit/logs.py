"""JSON log lines on stdout, each carrying the service name and Nginx's request id.

structlog renders every record, including the standard library's (gunicorn,
Werkzeug, redis-py), so one ``jq`` filter reads all services' logs. The
request id arrives in ``X-Request-ID`` (Nginx sets one when the client sent
none) and is bound once per request with contextvars.
"""

from __future__ import annotations

import time

import structlog
from flask import Flask, g, request

from servicekit.logformat import configure_logging

REQUEST_ID_HEADER = "X-Request-ID"


def bind_request_context() -> None:
    """before_request: every log line of this request carries its id."""
    structlog.contextvars.clear_contextvars()
    g.request_started = time.perf_counter()
    g.request_id = request.headers.get(REQUEST_ID_HEADER, "-")[:128]
    structlog.contextvars.bind_contextvars(request_id=g.request_id)


def echo_request_id(response):
    """after_request: the id goes back to the caller too (Nginx forwards it)."""
    request_id = getattr(g, "request_id", None)
    if request_id and request_id != "-":
        response.headers.setdefault(REQUEST_ID_HEADER, request_id)
    return response


def request_id() -> str:
    """The current request's id, forwarded on every internal call."""
    return getattr(g, "request_id", "-")


def init_logging(app: Flask, service: str) -> None:
    configure_logging(service, app.config["LOG_LEVEL"])
    app.before_request(bind_request_context)
    app.after_request(echo_request_id)


def get_logger(name: str | None = None):
    return structlog.get_logger(name)
