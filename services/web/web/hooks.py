"""Request hooks: who is asking, and the headers every page carries."""

from flask import Flask, g, redirect, request
from werkzeug.routing import RequestRedirect

from servicekit.sessions import current_user

# No inline script or style anywhere: chat.js reads its data from data-* attributes.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        # CSP3: 'self' also matches ws: and wss: on this origin (the chat's socket).
        "connect-src 'self'",
        "frame-ancestors 'none'",
        "base-uri 'self'",
        "form-action 'self'",
    ]
)

SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


def load_user() -> None:
    """Read the session once; views and templates use ``g.user``."""
    g.user = current_user()


def moved_permanently():
    """Answer Werkzeug's routing redirects (``redirect_to`` rules) with 301 for GET.

    Werkzeug uses 308 so a POST keeps its body; for GET and HEAD the classic
    301 says the same and every client, crawler and cache understands it.
    """
    if isinstance(request.routing_exception, RequestRedirect) and request.method in ("GET", "HEAD"):
        return redirect(request.routing_exception.new_url, 301)
    return None


def security_headers(response):
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def register(app: Flask) -> None:
    app.before_request(moved_permanently)
    app.before_request(load_user)
    app.after_request(security_headers)
