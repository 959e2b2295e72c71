"""Rooms: creation with the documented slug, lookup and newest-first paging."""

from __future__ import annotations

import pymysql

from dbapi import db
from dbapi.errors import ApiError, ValidationError
from dbapi.serialize import room_json
from dbapi.validation import Page, is_slug, slugify

SELECT_ROOM = "SELECT id, slug, name, created_at FROM rooms "


def create_room(name: str, user_id: int) -> dict:
    slug = slugify(name)
    try:
        room_id = db.execute(
            "INSERT INTO rooms (slug, name, created_by) VALUES (%s, %s, %s)", (slug, name, user_id)
        )
    except pymysql.err.IntegrityError as exc:
        if db.error_number(exc) == db.DUPLICATE_KEY:
            raise ApiError(409, f"A room with the slug {slug!r} exists.", {"name": "is taken"}) from None
        if db.error_number(exc) == db.FOREIGN_KEY_MISSING:
            raise ValidationError({"user_id": "no such user"}) from None
        raise
    return room_json(db.query_one(SELECT_ROOM + "WHERE id = %s", (room_id,)))


def find_room(slug: str) -> dict:
    """The room row for ``slug``, or 404 (without a query when it cannot be a slug)."""
    row = db.query_one(SELECT_ROOM + "WHERE slug = %s", (slug,)) if is_slug(slug) else None
    if row is None:
        raise ApiError(404, "No such room.")
    return row


def list_rooms(page: Page) -> dict:
    """Newest first; ``next_before`` only when older rooms exist (one extra row tells)."""
    before = page.before if page.before is not None else db.MAX_ID
    rows = db.query_all(SELECT_ROOM + "WHERE id < %s ORDER BY id DESC LIMIT %s", (before, page.limit + 1))
    more = len(rows) > page.limit
    rows = rows[: page.limit]
    return {"items": [room_json(r) for r in rows], "next_before": rows[-1]["id"] if more else None}
