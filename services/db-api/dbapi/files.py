"""Uploaded files, kept in MariaDB (no shared volume between replicas, one backup).

Files stream both ways in 1 MiB chunks, so a transfer costs about one chunk
of memory whatever the file's size:

* an upload is read from the request body one chunk at a time and each chunk
  is inserted as it arrives, all inside one transaction: a file is stored
  whole or not at all (a body cut off midway rolls everything back). One
  INSERT per chunk also keeps every statement far below
  ``max_allowed_packet``, which PyMySQL's escaping of binary data can double;
* a download reads one chunk row at a time while the response is sent.

Each transfer holds a gthread thread and a pooled connection for as long as
it lasts, so :class:`Transfers` caps how many run at once per worker: the
other threads stay free for pages and messages.

The per-account quota is enforced in the upload's transaction: the account's
``storage_usage`` row is locked (``SELECT ... FOR UPDATE``) after the chunks
are written and before the size is added, so two concurrent uploads of one
account are checked one after the other and the committed total never
passes the quota.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import IO

import pymysql
from flask import current_app

from dbapi import db
from dbapi.errors import ApiError, Busy, ValidationError
from dbapi.serialize import iso_utc
from servicekit.logs import get_logger
from servicekit.rules import safe_filename

CHUNK_BYTES = 1024 * 1024
DEFAULT_CONTENT_TYPE = "application/octet-stream"

log = get_logger(__name__)


class QuotaExceeded(ApiError):
    def __init__(self, quota: int):
        super().__init__(
            413,
            f"This file does not fit in your {quota // (1024 * 1024)} MiB of file storage.",
            code="quota_exceeded",
        )


class Transfers:
    """At most ``limit`` uploads and downloads at once in this worker process.

    A transfer beyond it is refused at once (503 with ``Retry-After``)
    rather than queued: a queued transfer would hold a thread just waiting.
    """

    def __init__(self, limit: int):
        self._slots = threading.BoundedSemaphore(limit)

    def take(self) -> None:
        if not self._slots.acquire(blocking=False):
            raise Busy("Too many files are being transferred right now; try again shortly.")

    def give_back(self) -> None:
        self._slots.release()

    @contextmanager
    def slot(self) -> Iterator[None]:
        self.take()
        try:
            yield
        finally:
            self.give_back()


def init_files(app) -> None:
    app.extensions["file_transfers"] = Transfers(app.config["FILE_TRANSFERS_PER_WORKER"])


def transfers() -> Transfers:
    return current_app.extensions["file_transfers"]


def clean_content_type(content_type: str | None) -> str:
    if not content_type or not content_type.isascii() or not content_type.isprintable():
        return DEFAULT_CONTENT_TYPE
    return content_type[:255]


def read_chunks(stream: IO[bytes]) -> Iterator[bytes]:
    """The stream in pieces of ``CHUNK_BYTES`` (the last one shorter), read as they arrive."""
    buffer = bytearray()
    while piece := stream.read(CHUNK_BYTES - len(buffer)):
        buffer += piece
        if len(buffer) == CHUNK_BYTES:
            yield bytes(buffer)
            buffer.clear()
    if buffer:
        yield bytes(buffer)


def storage_used(user_id: int) -> int | None:
    """Bytes the account has stored (None: no such account); makes its usage row on first use."""
    with db.connection().cursor() as cur:
        # IGNORE: the row may exist already; a missing account is only a warning.
        cur.execute("INSERT IGNORE INTO storage_usage (user_id) VALUES (%s)", (user_id,))
        cur.execute("SELECT bytes FROM storage_usage WHERE user_id = %s", (user_id,))
        row = cur.fetchone()
    return None if row is None else int(row["bytes"])


def storage(user_id: int) -> dict:
    """What the account has stored and may store, or 404."""
    used = storage_used(user_id)
    if used is None:
        raise ApiError(404, "No such user.")
    return {"used": used, "quota": current_app.config["UPLOAD_QUOTA_BYTES"]}


def store_file(
    room: dict, user_id: int, filename: str | None, content_type: str | None, chunks: Iterable[bytes]
) -> dict:
    """Store ``chunks`` as one file, whole or not at all, within the account's quota."""
    name = safe_filename(filename)
    content_type = clean_content_type(content_type)
    quota = current_app.config["UPLOAD_QUOTA_BYTES"]
    used = storage_used(user_id)
    if used is None:
        raise ValidationError({"user_id": "no such user"})
    if used >= quota:
        raise QuotaExceeded(quota)
    size = 0
    try:
        with db.transaction() as con, con.cursor() as cur:
            cur.execute(
                "INSERT INTO files (room_id, user_id, filename, content_type, size) "
                "VALUES (%s, %s, %s, %s, 0)",
                (room["id"], user_id, name, content_type),
            )
            file_id = cur.lastrowid
            for seq, chunk in enumerate(chunks):
                size += len(chunk)
                if used + size > quota:
                    # Early: other uploads can only have used more since.
                    raise QuotaExceeded(quota)
                cur.execute(
                    "INSERT INTO file_chunks (file_id, seq, data) VALUES (%s, %s, %s)", (file_id, seq, chunk)
                )
            cur.execute("SELECT bytes FROM storage_usage WHERE user_id = %s FOR UPDATE", (user_id,))
            if cur.fetchone()["bytes"] + size > quota:
                raise QuotaExceeded(quota)
            cur.execute("UPDATE storage_usage SET bytes = bytes + %s WHERE user_id = %s", (size, user_id))
            cur.execute("UPDATE files SET size = %s WHERE id = %s", (size, file_id))
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
        "size": size,
        "room": room["slug"],
        "created_at": iso_utc(created_at),
    }


def find_file(file_id: int) -> dict:
    """The file's name, type and size, or 404."""
    row = db.query_one("SELECT filename, content_type, size FROM files WHERE id = %s", (file_id,))
    if row is None:
        raise ApiError(404, "No such file.")
    return row


class Download:
    """One file being sent: holds a transfer slot and this request's pooled
    connection until :meth:`close`, which the WSGI server calls when the
    response ends or the client goes away."""

    def __init__(self, file_id: int):
        self.file_id = file_id
        self.row = find_file(file_id)
        self.slots = transfers()
        self.slots.take()
        self.pool = db.database()
        try:
            self.con = db.detach_connection()
        except BaseException:
            self.slots.give_back()
            raise

    def __iter__(self) -> Iterator[bytes]:
        """The bytes, one chunk row at a time, read only as the response is sent."""
        seq = 0
        try:
            while True:
                with self.con.cursor() as cur:
                    cur.execute(
                        "SELECT data FROM file_chunks WHERE file_id = %s AND seq = %s", (self.file_id, seq)
                    )
                    row = cur.fetchone()
                if row is None:
                    return
                yield row["data"]
                seq += 1
        except db.DB_ERRORS as exc:
            # Too late for an error status: the short body (Content-Length) tells the client.
            log.warning("file_stream_failed", file_id=self.file_id, error=repr(exc))

    def close(self) -> None:
        self.pool.checkin(self.con)
        self.slots.give_back()
