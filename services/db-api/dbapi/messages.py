"""Messages: idempotent storing, push, and paging both ways.

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
from dbapi.errors import ValidationError
from dbapi.push import publish_message
from dbapi.serialize import message_json
from dbapi.validation import Page

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


def list_messages(room: dict, page: Page) -> dict:
    """A ``before`` page (the newest older ones) or an ``after`` page, ascending either way."""
    if page.after is not None:
        rows = db.query_all(
            SELECT_MESSAGE + "WHERE m.room_id = %s AND m.id > %s ORDER BY m.id ASC LIMIT %s",
            (room["id"], page.after, page.limit + 1),
        )
        more = len(rows) > page.limit
        rows = rows[: page.limit]
        return {"items": [message_json(r) for r in rows], "next_after": rows[-1]["id"] if more else None}
    before = page.before if page.before is not None else db.MAX_ID
    rows = db.query_all(
        SELECT_MESSAGE + "WHERE m.room_id = %s AND m.id < %s ORDER BY m.id DESC LIMIT %s",
        (room["id"], before, page.limit + 1),
    )
    more = len(rows) > page.limit
    rows = rows[: page.limit][::-1]
    return {"items": [message_json(r) for r in rows], "next_before": rows[0]["id"] if more else None}
