"""The upload form read as it arrives: fields first, then the file's bytes in pieces."""

import io
import os

import pytest
from werkzeug.datastructures import FileStorage
from werkzeug.exceptions import BadRequest, RequestEntityTooLarge
from werkzeug.test import encode_multipart

from web.files.multipart import MAX_FIELD_BYTES, READ_BYTES, MultipartUpload, UploadCutOff, UploadTooLarge


class Trickle(io.BytesIO):
    """A body that arrives a few bytes at a time (as from a slow socket), noting the largest read."""

    def __init__(self, data: bytes, step: int):
        super().__init__(data)
        self.step, self.largest_read = step, 0

    def read(self, size=-1):
        self.largest_read = max(self.largest_read, size)
        return super().read(self.step if size < 0 else min(size, self.step))


def form(file_data: bytes, **fields) -> tuple[bytes, bytes]:
    values = {**fields, "file": FileStorage(io.BytesIO(file_data), "notes.txt", content_type="text/plain")}
    boundary, body = encode_multipart(values, boundary="----roomservice-test-boundary")
    return boundary.encode(), body


@pytest.mark.parametrize("step", [1000, 7, READ_BYTES])
def test_fields_then_the_file_byte_for_byte(step):
    data = os.urandom(3 * READ_BYTES + 123) + b"\r\n--almost-a-boundary\r\n"
    boundary, body = form(data, csrf_token="tok", note="hi")
    stream = Trickle(body, step)
    upload = MultipartUpload(stream, boundary)
    fields, part = upload.fields_until("file")
    assert fields == {"csrf_token": "tok", "note": "hi"}
    assert part.filename == "notes.txt"
    assert part.headers["Content-Type"] == "text/plain"
    assert stream.tell() <= READ_BYTES, (
        "no more than one read past the file's headers before its bytes are asked for"
    )
    pieces = list(upload.file_bytes(limit=len(data)))
    assert b"".join(pieces) == data
    # One read, plus the few bytes held back last time in case they began a boundary.
    assert max(len(piece) for piece in pieces) <= READ_BYTES + len(boundary) + 8
    assert stream.largest_read <= READ_BYTES


def test_a_body_cut_off_inside_the_file_is_an_error_not_a_short_file():
    boundary, body = form(os.urandom(200_000), csrf_token="tok")
    upload = MultipartUpload(io.BytesIO(body[: len(body) // 2]), boundary)
    upload.fields_until("file")
    with pytest.raises(UploadCutOff):
        list(upload.file_bytes(limit=10**9))


def test_a_file_past_its_limit_stops_at_the_limit():
    boundary, body = form(b"x" * 300_000)
    upload = MultipartUpload(io.BytesIO(body), boundary)
    upload.fields_until("file")
    received = 0
    with pytest.raises(UploadTooLarge):
        for piece in upload.file_bytes(limit=100_000):
            received += len(piece)
    assert received <= 100_000


def test_a_form_without_the_file_has_no_part():
    boundary, body = encode_multipart({"csrf_token": "tok"}, boundary="b0undary")
    assert MultipartUpload(io.BytesIO(body), boundary.encode()).fields_until("file") == (
        {"csrf_token": "tok"},
        None,
    )


def test_a_huge_field_before_the_file_is_refused():
    boundary, body = form(b"x", csrf_token="t" * (MAX_FIELD_BYTES + 1))
    with pytest.raises(BadRequest):
        MultipartUpload(io.BytesIO(body), boundary).fields_until("file")


def test_a_body_without_boundaries_is_refused_within_bounded_memory():
    with pytest.raises(RequestEntityTooLarge):
        MultipartUpload(io.BytesIO(b"x" * (10 * READ_BYTES)), b"never-seen").fields_until("file")


def test_another_file_field_first_is_refused():
    boundary, body = encode_multipart({"other": FileStorage(io.BytesIO(b"x"), "a.txt")}, boundary="b0undary")
    with pytest.raises(BadRequest):
        MultipartUpload(io.BytesIO(body), boundary.encode()).fields_until("file")


def test_an_anonymous_upload_is_sent_to_login_without_reading_the_body(client):
    boundary, body = form(b"x" * 100_000, csrf_token="tok")
    stream = Trickle(body, READ_BYTES)
    response = client.post(
        "/rooms/general/files",
        input_stream=stream,
        content_type=f"multipart/form-data; boundary={boundary.decode()}",
        content_length=len(body),
    )
    assert response.status_code == 302
    assert "/auth/login" in response.headers["Location"]
    assert stream.tell() == 0
