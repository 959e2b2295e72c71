"""Uploaded files, kept in MariaDB (no shared volume between replicas, one backup).

The bytes go in 1 MiB chunks inside one transaction: a single INSERT of a
10 MiB upload can exceed ``max_allowed_packet`` once PyMySQL has escaped it,
and the transaction means a file is stored whole or not at all.
"""

from __future__ import annotations

import pymysql

from dbapi import db
from dbapi.errors import ApiError, ValidationError
from dbapi.serialize import iso_utc
from dbapi.validation import sanitize_filename

CHUNK_BYTES = 1024 * 1024
DEFAULT_CONTENT_TYPE = "application/octet-stream"


def clean_content_type(content_type: str | None) -> str:
    if not content_type or not content_type.isascii() or not content_type.isprintable():
        return DEFAULT_CONTENT_TYPE
    return content_type[:255]


def store_file(room: dict, user_id: int, filename: str | None, content_type: str | None, data: bytes) -> dict:
    name = sanitize_filename(filename)
    content_type = clean_content_type(content_type)
    try:
        with db.transaction() as con, con.cursor() as cur:
            cur.execute(
                "INSERT INTO files (room_id, user_id, filename, content_type, size) "
                "VALUES (%s, %s, %s, %s, %s)",
                (room["id"], user_id, name, content_type, len(data)),
            )
            file_id = cur.lastrowid
            for seq, start in enumerate(range(0, len(data), CHUNK_BYTES)):
                cur.execute(
                    "INSERT INTO file_chunks (file_id, seq, data) VALUES (%s, %s, %s)",
                    (file_id, seq, data[start : start + CHUNK_BYTES]),
                )
            cur.execute("SELECT created_at FROM files WHERE id = %s", (file_id,))
            created_at = cur.fetchone()["created_at"]
    except pymysql.err.IntegrityError as exc:
        if db.error_number(exc) == db.FOREIGN_KEY_MISSING:
            raise ValidationError({"user_id": "no such user"}) from None
        raise
    return {
        "id": file_id,
        "filename": name,
        "content_type": content_type,
        "size": len(data),
        "room": room["slug"],
        "created_at": iso_utc(created_at),
    }


def load_file(file_id: int) -> dict:
    """The file's name, type and bytes, or 404."""
    row = db.query_one("SELECT filename, content_type, size FROM files WHERE id = %s", (file_id,))
    if row is None:
        raise ApiError(404, "No such file.")
    chunks = db.query_all("SELECT data FROM file_chunks WHERE file_id = %s ORDER BY seq", (file_id,))
    row["data"] = b"".join(bytes(chunk["data"]) for chunk in chunks)
    return row
