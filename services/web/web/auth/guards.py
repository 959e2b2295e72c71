"""The one login check and the one redirect-safety check, used by every blueprint."""

import functools
from urllib.parse import quote, urlencode, urlsplit

from flask import g, redirect, request, url_for


def login_required(view):
    """Send an anonymous visitor to the login form, coming back here afterwards.

    ``next`` is the path and query, fully percent-encoded (``/`` and ``?`` too),
    so it reads as one opaque value.
    """

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        if g.user is None:
            target = request.full_path.rstrip("?")
            return redirect(url_for("auth.login") + "?" + urlencode({"next": target}, quote_via=quote))
        return view(*args, **kwargs)

    return wrapper


def is_local_path(target: str | None) -> bool:
    """True for a path on this site: one leading ``/``, no scheme or host.

    Browsers read ``/\\evil`` like ``//evil`` (another host), so a backslash
    right after the slash is refused too, as are control characters that
    some browsers strip before parsing.
    """
    if not target or not target.startswith("/") or target[1:2] in ("/", "\\"):
        return False
    if any(ord(char) < 0x20 or ord(char) == 0x7F for char in target):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def next_or(default_endpoint: str) -> str:
    """Where to go after logging in: a local ``next`` or the default page."""
    target = request.args.get("next")
    return target if is_local_path(target) else url_for(default_endpoint)
