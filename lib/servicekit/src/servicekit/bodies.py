"""Request body limits, set before anything reads a body.

Every route takes at most ``MAX_BODY_BYTES`` (64 KiB: a login, a message, a
form); only views marked :func:`accepts_uploads` take up to
``MAX_CONTENT_LENGTH`` (a file). Nginx enforces the same two numbers per
location first; this is the same rule for whatever reaches a service directly.

The limit is set in the first ``before_request`` hook of the app, so CSRF's
form parsing, the rate limiter and the view all read a body whose size was
checked: a larger ``Content-Length`` is a 413 before a byte is read, a
chunked body is cut at the limit. Multipart forms (uploads) are bounded by
Flask's ``MAX_FORM_PARTS`` and ``MAX_FORM_MEMORY_SIZE`` (servicekit.config).
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, current_app, request

UPLOADS_ATTRIBUTE = "accepts_uploads"


def accepts_uploads(view: Callable) -> Callable:
    """Let this view's body be as large as ``MAX_CONTENT_LENGTH`` (file uploads)."""
    setattr(view, UPLOADS_ATTRIBUTE, True)
    return view


def limit_body() -> None:
    view = current_app.view_functions.get(request.endpoint or "")
    if not getattr(view, UPLOADS_ATTRIBUTE, False):
        request.max_content_length = current_app.config["MAX_BODY_BYTES"]


def init_body_limits(app: Flask) -> None:
    app.before_request(limit_body)
