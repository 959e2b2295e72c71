"""Messages: idempotent storing, push, and paging both ways (one query per page).

Idempotency is INSERT first, and on the ``UNIQUE (room_id, user_id,
client_id)`` duplicate-key error a SELECT of the row that won: never
read-then-write, so concurrent duplicates create exactly one message. InnoDB
makes the losing INSERT wait for the winner's commit, so the SELECT sees it.
The same key makes SteadyDB's one automatic retry of a statement whose
connection died safe: a retried INSERT that had in fact committed comes back
as the duplicate, i.e. a 200 with the stored message. (Messages without a
``client_id`` have no such guard; clients that care send one.)
"""

from __future__ import annotations

import pymysql

from dbapi import db
from dbapi.errors import ApiError, ValidationError
from dbapi.push import publish_message
from dbapi.rooms import find_room
from dbapi.serialize import message_json
from dbapi.validation import Page, is_slug, page_args

SELECT_MESSAGE = (
    "SELECT m.id, r.slug AS room, u.username AS user, m.body, m.created_at, m.client_id "
    "FROM messages m JOIN rooms r ON r.id = m.room_id JOIN users u ON u.id = m.user_id "
)


def store_message(room: dict, user_id: int, body: str, client_id: str | None) -> tuple[dict, bool]:
    """The stored message and whether it is new (201) or a repeated ``client_id`` (200)."""
    try:
        message_id = db.execute(
            "INSERT INTO messages (room_id, user_id, body, client_id) VALUES (%s, %s, %s, %s)",
            (room["id"], user_id, body, client_id),
        )
    except pymysql.err.IntegrityError as exc:
        if db.error_number(exc) == db.FOREIGN_KEY_MISSING:
            raise ValidationError({"user_id": "no such user"}) from None
        if db.error_number(exc) != db.DUPLICATE_KEY or client_id is None:
            raise
        row = db.query_one(
            SELECT_MESSAGE + "WHERE m.room_id = %s AND m.user_id = %s AND m.client_id = %s",
            (room["id"], user_id, client_id),
        )
        return message_json(row), False
    message = message_json(db.query_one(SELECT_MESSAGE + "WHERE m.id = %s", (message_id,)))
    publish_message(message)
    return message, True


# The room's own columns ride along on every row of a page, so a page costs one query.
SELECT_PAGE = (
    "SELECT m.id, r.slug AS room, u.username AS user, m.body, m.created_at, m.client_id, "
    "r.id AS room_id, r.name AS room_name, r.created_at AS room_created_at "
    "FROM messages m JOIN rooms r ON r.id = m.room_id JOIN users u ON u.id = m.user_id "
)


def page_args_for(slug: str, args, allow_after: bool) -> Page:
    """The page asked for; a bad one is a 422, but a missing room's 404 wins (docs/api.md)."""
    try:
        return page_args(args, default_limit=50, allow_after=allow_after)
    except ValidationError:
        find_room(slug)
        raise


def page_of_room(slug: str, page: Page) -> tuple[dict, dict]:
    """The room and a page of its messages, ascending either way: one query, one round trip.

    A ``before`` page holds the newest older messages, an ``after`` page the
    oldest newer ones. The join on the slug plans like the lookup by room id
    (the slug is unique: MariaDB reads the room as a constant). Only an empty
    page needs a second query, to tell an empty room from a missing one (404).
    """
    if not is_slug(slug):
        raise ApiError(404, "No such room.")
    if page.after is not None:
        rows = db.query_all(
            SELECT_PAGE + "WHERE r.slug = %s AND m.id > %s ORDER BY m.id ASC LIMIT %s",
            (slug, page.after, page.limit + 1),
        )
        more = len(rows) > page.limit
        rows = rows[: page.limit]
        listing = {"items": [message_json(r) for r in rows], "next_after": rows[-1]["id"] if more else None}
    else:
        before = page.before if page.before is not None else db.MAX_ID
        rows = db.query_all(
            SELECT_PAGE + "WHERE r.slug = %s AND m.id < %s ORDER BY m.id DESC LIMIT %s",
            (slug, before, page.limit + 1),
        )
        more = len(rows) > page.limit
        rows = rows[: page.limit][::-1]
        listing = {"items": [message_json(r) for r in rows], "next_before": rows[0]["id"] if more else None}
    if not rows:
        return find_room(slug), listing
    first = rows[0]
    room = {"id": first["room_id"], "slug": first["room"], "name": first["room_name"],
            "created_at": first["room_created_at"]}  # fmt: skip
    return room, listing
