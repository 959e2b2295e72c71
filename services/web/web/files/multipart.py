"""An upload form read as it arrives, so the file can be forwarded as it comes.

Werkzeug's form parser stores a file part in a temporary file before the
view runs: here ``/tmp`` is a tmpfs, i.e. memory, and nothing could be
checked before the last byte had arrived. This reads the
``multipart/form-data`` body with Werkzeug's own sans-IO decoder, 64 KiB at
a time: first the small fields in front of the file (the CSRF token), then
the file's bytes as an iterator, which web forwards to db-api while the
client is still sending. Browsers send the fields in the form's order, and
the upload form puts its token before the file.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO

from flask import Request
from werkzeug.exceptions import BadRequest
from werkzeug.sansio.multipart import NEED_DATA, Data, Epilogue, Event, Field, File, MultipartDecoder

READ_BYTES = 64 * 1024
# A CSRF token is about 90 bytes; nothing the form sends before its file is long.
MAX_FIELD_BYTES = 4 * 1024
MAX_PARTS = 8


class UploadCutOff(BadRequest):
    """The body ended before the file did, or is not a whole form (the client went away)."""

    description = "The upload did not arrive whole. Please try again."


class UploadTooLarge(Exception):
    """The file passed the number of bytes it was allowed."""


class MultipartUpload:
    """One ``multipart/form-data`` body with one file part, read in order."""

    def __init__(self, stream: IO[bytes], boundary: bytes):
        self._stream = stream
        self._decoder = MultipartDecoder(boundary, READ_BYTES + MAX_FIELD_BYTES, max_parts=MAX_PARTS)

    @classmethod
    def of(cls, request: Request) -> MultipartUpload:
        boundary = request.mimetype_params.get("boundary", "")
        if request.mimetype != "multipart/form-data" or not boundary:
            raise BadRequest("Send the file from the upload form.")
        return cls(request.stream, boundary.encode("latin-1"))

    def _next(self) -> Event:
        """The next event, reading more of the body when the decoder needs it."""
        while True:
            try:
                event = self._decoder.next_event()
            except ValueError:
                # The body ended inside a part, or is not multipart at all.
                raise UploadCutOff() from None
            if event is not NEED_DATA:
                return event
            self._decoder.receive_data(self._stream.read(READ_BYTES) or None)

    def fields_until(self, file_field: str) -> tuple[dict[str, str], File | None]:
        """The fields before the part of ``file_field``, and that part's
        headers (None when the form had no such file); the file's bytes are
        left unread for :meth:`file_bytes`."""
        fields: dict[str, str] = {}
        while True:
            event = self._next()
            if isinstance(event, Epilogue):
                return fields, None
            if isinstance(event, File):
                if event.name != file_field:
                    raise BadRequest("Send one file at a time.")
                return fields, event
            if isinstance(event, Field):
                fields[event.name] = self._field_value()

    def _field_value(self) -> str:
        value = bytearray()
        while True:
            event = self._next()
            if not isinstance(event, Data):
                raise UploadCutOff()
            value += event.data
            if len(value) > MAX_FIELD_BYTES:
                raise BadRequest("A form field is too long.")
            if not event.more_data:
                return value.decode("utf-8", "replace")

    def file_bytes(self, limit: int) -> Iterator[bytes]:
        """The file's bytes as they arrive, until the boundary that ends it.

        Raises :class:`UploadTooLarge` past ``limit`` bytes and
        :class:`UploadCutOff` when the body ends first: whoever is reading
        this iterator must then drop what it got.
        """
        size = 0
        while True:
            event = self._next()
            if not isinstance(event, Data):
                raise UploadCutOff()
            size += len(event.data)
            if size > limit:
                raise UploadTooLarge(limit)
            if event.data:
                yield event.data
            if not event.more_data:
                return
