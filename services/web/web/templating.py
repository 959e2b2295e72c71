"""Template globals and filters shared by every page."""

import hashlib
import re
from datetime import datetime, timezone
from functools import cache
from pathlib import Path

from flask import Flask, current_app, url_for
from markupsafe import Markup, escape

# A URL runs to the first space, quote or angle bracket; chat.js has the same pattern.
LINK = re.compile(r"(?P<url>(?P<scheme>https?://)[^\s<>\"'`]+)|/files/(?P<file>[0-9]+)\b")
TRAILING = ".,;:!?)]}"


@cache
def _content_hash(path: str) -> str:
    """Short hash of a static file, computed once per process (files are baked into the image)."""
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:10]
    except OSError:
        return "missing"


def static_url(filename: str) -> str:
    """``url_for('static')`` plus ``?v=<content hash>``: Nginx caches /static/ for a week,
    so a changed file must change its URL."""
    path = str(Path(current_app.static_folder) / filename)
    return url_for("static", filename=filename, v=_content_hash(path))


def _parse(value: str) -> datetime | None:
    """An ISO time in UTC (db-api's are; one without a zone is taken as UTC)."""
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except (AttributeError, ValueError):
        return None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def human_time(value: str, now: datetime | None = None) -> str:
    """``2026-11-24T12:00:00.123Z`` as people say it: "just now", "5 min ago", "14:03 UTC",
    "24 Nov, 14:03 UTC" or "24 Nov 2025".

    The server does not know the reader's zone, so a clock time says it is
    UTC; chat.js rewrites every ``<time datetime>`` in the reader's own zone,
    named ("14:03 CET"). Without JavaScript this text is what stays.
    """
    moment = _parse(value)
    if moment is None:
        return value or ""
    now = now or datetime.now(timezone.utc)
    seconds = (now - moment).total_seconds()
    if 0 <= seconds < 60:
        return "just now"
    if 0 <= seconds < 3600:
        return f"{int(seconds // 60)} min ago"
    if moment.date() == now.date():
        return moment.strftime("%H:%M UTC")
    if moment.year == now.year:
        return f"{moment.day} {moment:%b, %H:%M} UTC"
    return f"{moment.day} {moment:%b %Y}"


def human_size(size: float) -> str:
    """``10485760`` as "10 MiB", ``1536`` as "1.5 KiB" (binary units, one decimal at most)."""
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            break
        size /= 1024
    if unit == "bytes":
        return f"{int(size)} bytes"
    return f"{size:.1f}".removesuffix(".0") + f" {unit}"


def _link_end(url: str) -> int:
    """Where a matched URL really ends: sentence punctuation after it is not
    part of it, nor a closing parenthesis it never opened."""
    end, opened, closed = len(url), url.count("("), url.count(")")
    while end and url[end - 1] in TRAILING:
        if url[end - 1] == ")":
            if opened >= closed:
                break
            closed -= 1
        end -= 1
    return end


def linkify(body: str) -> Markup:
    """A message body as HTML: everything escaped, then its links made anchors.

    Two kinds of link: ``http://`` and ``https://`` URLs (``rel="noopener
    nofollow ugc"``; no other scheme ever becomes a link, so ``javascript:``
    stays text) and ``/files/<id>`` (a download). The text between links goes
    through :func:`markupsafe.escape`, and each anchor is built by
    ``Markup.format``, which escapes its URL and its text: the only markup in
    the result is the ``<a>`` written here, so nothing the user typed is ever
    marked safe. chat.js renders live messages with the same pattern.
    """
    if "/files/" not in body and "://" not in body:
        return escape(body)  # most bodies hold no link, and a page renders 50
    parts = []
    last = 0
    for match in LINK.finditer(body):
        start, end = match.start(), match.end()
        if match.group("url"):
            end = start + _link_end(match.group("url"))
            if end - start <= len(match.group("scheme")):
                continue
            anchor = Markup('<a href="{0}" rel="noopener nofollow ugc">{0}</a>').format(body[start:end])
        else:
            href = url_for("files.download", file_id=int(match.group("file")))
            anchor = Markup('<a href="{}">{}</a>').format(href, match.group(0))
        parts.append(escape(body[last:start]))
        parts.append(anchor)
        last = end
    parts.append(escape(body[last:]))
    return Markup("").join(parts)


def register(app: Flask) -> None:
    app.add_template_global(static_url)
    app.add_template_filter(human_time)
    app.add_template_filter(human_size)
    app.add_template_filter(linkify)
