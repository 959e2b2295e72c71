"""What each error looks like; servicekit decides which error it is."""

from flask import Flask, g, make_response, render_template
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import default_exceptions

from servicekit.errors import register_error_handlers
from servicekit.internal_api import DbApiUnavailable
from servicekit.logs import get_logger
from servicekit.sessions import current_user

log = get_logger(__name__)

TITLES = {
    400: "That request did not work",
    401: "Please log in",
    403: "Not allowed",
    404: "Page not found",
    405: "Not allowed here",
    413: "That file is too large",
    422: "Please check what you sent",
    429: "Slow down a little",
    500: "Something went wrong",
    503: "We will be right back",
}

# Werkzeug's stock descriptions are written for developers; people get these instead.
FRIENDLY = {
    400: "The request could not be understood.",
    403: "You do not have access to this page.",
    404: "We could not find that page.",
    405: "This page does not accept that kind of request.",
    413: "The request body is too large.",
    429: "You have made too many requests.",
    503: "The site is unavailable for a moment.",
}

HINTS = {
    404: "The page may have moved, or the address has a typo.",
    413: "Uploads are limited in size. Try a smaller file.",
    429: "Too many attempts in a short time. Wait a minute, then try again.",
    500: "We have been told about it. Please try again in a moment.",
    503: "A part of the site is unavailable for a moment. Please try again shortly.",
}


def render_error(status: int, code: str, message: str, fields: dict | None = None):
    """The page for any error status: the layout, a title, the reason, never a traceback.

    Returns a response (servicekit adds headers such as ``Retry-After`` to it).
    """
    stock = default_exceptions.get(status)
    if stock is not None and message == stock.description:
        message = FRIENDLY.get(status, message)
    elif status == 429:
        # Flask-Limiter describes the limit itself ("10 per 1 minute").
        message = f"Too many attempts for now: the limit is {message}."
    if "user" not in g:
        # The error came before the hook that loads the user (e.g. CSRF): the nav still shows who is in.
        g.user = _safe_current_user()
    page = render_template(
        "errors/error.html",
        status=status,
        code=code,
        title=TITLES.get(status, "That did not work"),
        message=message,
        hint=HINTS.get(status),
    )
    return make_response(page, status)


def _safe_current_user():
    try:
        return current_user()
    except Exception:  # noqa: BLE001 - an error page must render whatever the session store does
        return None


def csrf_failed(exc: CSRFError):
    return render_error(
        400,
        "bad_request",
        "This form has expired or was sent from another site. Reload the page and try again.",
    )


def db_api_unavailable(exc: DbApiUnavailable):
    log.warning("db_api_unavailable", error=str(exc))
    response = render_error(503, "unavailable", "The rooms are unavailable for a moment.")
    response.headers["Retry-After"] = "5"
    return response


def register(app: Flask) -> None:
    register_error_handlers(app, render_error)
    app.register_error_handler(CSRFError, csrf_failed)
    app.register_error_handler(DbApiUnavailable, db_api_unavailable)
