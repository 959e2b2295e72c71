"""The API's JSON shapes (docs/api.md) for users, rooms and messages, built from rows.

Times leave as UTC ISO-8601 with milliseconds and ``Z``. The connection's
time zone is UTC (``init_command``) and the columns are ``DATETIME(3)``, so a
stored value is already UTC and carries no zone of its own.
"""

from __future__ import annotations

from datetime import datetime, timezone


def iso_utc(value: datetime) -> str:
    if value.tzinfo is not None:
        value = value.astimezone(timezone.utc).replace(tzinfo=None)
    return value.isoformat(timespec="milliseconds") + "Z"


def user_json(row: dict) -> dict:
    return {"id": row["id"], "username": row["username"]}


def room_json(row: dict) -> dict:
    return {
        "id": row["id"],
        "slug": row["slug"],
        "name": row["name"],
        "created_at": iso_utc(row["created_at"]),
    }


def message_json(row: dict) -> dict:
    return {
        "id": row["id"],
        "room": row["room"],
        "user": row["user"],
        "body": row["body"],
        "created_at": iso_utc(row["created_at"]),
        "client_id": row["client_id"],
    }
