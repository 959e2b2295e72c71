"""Template globals and filters shared by every page."""

import hashlib
import re
from datetime import datetime, timezone
from functools import cache
from pathlib import Path

from flask import Flask, current_app, url_for
from markupsafe import Markup, escape

FILE_LINK = re.compile(r"/files/(\d+)\b")


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
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except (AttributeError, ValueError):
        return None


def human_time(value: str, now: datetime | None = None) -> str:
    """``2026-11-24T12:00:00.123Z`` as people say it: "just now", "5 min ago", "14:03",
    "24 Nov, 14:03" or "24 Nov 2025" (UTC; chat.js rewrites it in the reader's zone)."""
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
        return moment.strftime("%H:%M")
    if moment.year == now.year:
        return f"{moment.day} {moment:%b, %H:%M}"
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


def link_files(body: str) -> Markup:
    """Escape a message body, then turn each ``/files/<id>`` into a download link.

    The only HTML in the result is the ``<a>`` built here from a matched
    integer, so marking it safe is sound. Most bodies hold no link: those are
    only escaped (a page renders 50 of them).
    """
    if "/files/" not in body:
        return escape(body)
    parts = []
    last = 0
    for match in FILE_LINK.finditer(body):
        parts.append(escape(body[last : match.start()]))
        href = url_for("files.download", file_id=int(match.group(1)))
        parts.append(Markup('<a href="{}">{}</a>').format(href, match.group(0)))
        last = match.end()
    parts.append(escape(body[last:]))
    return Markup("").join(parts)


def register(app: Flask) -> None:
    app.add_template_global(static_url)
    app.add_template_filter(human_time)
    app.add_template_filter(human_size)
    app.add_template_filter(link_files)
