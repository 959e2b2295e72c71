"""Files through the internal API, streamed in chunks, against the real MariaDB.

An upload's body is the file itself, read as it arrives. The tests hand the
app the body as gunicorn does for a chunked request: ``wsgi.input`` with
``wsgi.input_terminated`` and no Content-Length, so Werkzeug enforces the
length limit while the body is read.
"""

from __future__ import annotations

import io
import os
import threading
from urllib.parse import quote, unquote

import pytest

MiB = 1024 * 1024


def chunked(body) -> dict:
    return {"wsgi.input": body, "wsgi.input_terminated": True, "HTTP_TRANSFER_ENCODING": "chunked"}


class Body(io.RawIOBase):
    """A request body arriving ``step`` bytes per read; optionally breaks off
    with the error gunicorn raises for a closed socket, or waits at ``pause_at``."""

    def __init__(self, data: bytes, step: int = 256 * 1024, cut_at: int | None = None):
        self.data, self.step, self.cut_at = data, step, cut_at
        self.sent = 0
        self.pause_at: int | None = None
        self.paused = threading.Event()
        self.resume = threading.Event()

    def readable(self):
        return True

    def readinto(self, buffer):
        if self.cut_at is not None and self.sent >= self.cut_at:
            raise OSError("the client went away")
        if self.pause_at is not None and self.sent >= self.pause_at and not self.resume.is_set():
            self.paused.set()
            assert self.resume.wait(30)
        piece = self.data[self.sent : self.sent + min(len(buffer), self.step)]
        buffer[: len(piece)] = piece
        self.sent += len(piece)
        return len(piece)


def upload(svc, room, user_id, body, name="file.bin", content_type="application/octet-stream", **kw):
    return svc.post(
        f"/rooms/{room['slug']}/files?user_id={user_id}",
        headers={"Content-Type": content_type, "X-Filename": quote(name, safe="")},
        environ_overrides=chunked(body),
        **kw,
    )


def stored_bytes(db_root, user_id) -> int:
    with db_root.cursor() as cur:
        cur.execute("SELECT bytes FROM storage_usage WHERE user_id = %s", (user_id,))
        row = cur.fetchone()
    return int(row["bytes"]) if row else 0


def files_named(db_root, name) -> int:
    with db_root.cursor() as cur:
        cur.execute("SELECT COUNT(*) AS n FROM files WHERE filename = %s", (name,))
        return cur.fetchone()["n"]


def test_a_file_of_several_chunks_round_trips_byte_for_byte(svc, client, room, db_root):
    data = os.urandom(3 * MiB + MiB // 2)
    response = upload(svc, room, client.user["id"], Body(data), name="../../etc/pä\x07ss wd\u202e.txt")
    assert response.status_code == 201, response.get_json()
    stored = response.get_json()
    assert stored["filename"] == "päss wd.txt"
    assert stored["size"] == len(data)
    assert stored["room"] == room["slug"]
    assert stored["created_at"].endswith("Z")
    with db_root.cursor() as cur:
        cur.execute("SELECT LENGTH(data) n FROM file_chunks WHERE file_id = %s ORDER BY seq", [stored["id"]])
        assert [row["n"] for row in cur.fetchall()] == [MiB, MiB, MiB, MiB // 2]
    assert stored_bytes(db_root, client.user["id"]) == len(data)

    download = svc.get(f"/files/{stored['id']}", buffered=False)
    assert download.status_code == 200
    assert download.headers["Content-Length"] == str(len(data))
    assert download.headers["Content-Type"] == "application/octet-stream"
    assert unquote(download.headers["X-Filename"]) == "päss wd.txt"
    assert download.headers["X-Filename"].isascii()
    pieces = list(download.response)
    assert max(len(piece) for piece in pieces) == MiB, "sent one chunk row at a time"
    assert b"".join(pieces) == data
    download.close()


@pytest.mark.parametrize("fill", ["zeros", "random"])
def test_a_file_just_under_the_size_limit(svc, client, room, fill):
    """Also one of NUL bytes, which PyMySQL escapes to twice its size."""
    data = bytes(10 * MiB - 4096) if fill == "zeros" else os.urandom(10 * MiB - 4096)
    response = upload(svc, room, client.user["id"], Body(data, step=MiB))
    assert response.status_code == 201, response.get_json()
    assert svc.get(f"/files/{response.get_json()['id']}").data == data


def test_an_upload_cut_off_midway_stores_nothing(svc, client, room, db_root):
    body = Body(os.urandom(4 * MiB), cut_at=2 * MiB + 12345)
    response = upload(svc, room, client.user["id"], body, name="cut-off.bin")
    assert response.status_code == 400
    assert body.sent > MiB, "chunks were written before the body broke off"
    assert files_named(db_root, "cut-off.bin") == 0
    assert stored_bytes(db_root, client.user["id"]) == 0


def test_a_body_shorter_than_its_content_length_stores_nothing(svc, client, room, db_root):
    data = os.urandom(2 * MiB)
    response = svc.post(
        f"/rooms/{room['slug']}/files?user_id={client.user['id']}",
        headers={"Content-Type": "application/octet-stream", "X-Filename": "short.bin"},
        environ_overrides={"wsgi.input": io.BytesIO(data[: MiB + 7]), "CONTENT_LENGTH": str(len(data))},
    )
    assert response.status_code == 400
    assert files_named(db_root, "short.bin") == 0


def test_the_size_limit_holds_while_streaming(make_app, h, db_root):
    app = make_app(MAX_CONTENT_LENGTH=2 * MiB)
    svc = h.service(app)
    client = h.logged_in(app)
    room = h.new_room(client)
    body = Body(os.urandom(5 * MiB))
    response = upload(svc, room, client.user["id"], body, name="too-big.bin")
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "payload_too_large"
    assert body.sent <= 2 * MiB + body.step, "reading stopped at the limit"
    assert files_named(db_root, "too-big.bin") == 0


def test_the_quota_holds_and_refuses_early(make_app, h, db_root):
    app = make_app(UPLOAD_QUOTA_BYTES=3 * MiB)
    svc = h.service(app)
    client = h.logged_in(app)
    room = h.new_room(client)
    user_id = client.user["id"]
    assert svc.get(f"/users/{user_id}/storage").get_json() == {"used": 0, "quota": 3 * MiB}

    assert upload(svc, room, user_id, Body(os.urandom(2 * MiB))).status_code == 201
    too_much = Body(os.urandom(2 * MiB))
    refused = upload(svc, room, user_id, too_much, name="over-quota.bin")
    assert refused.status_code == 413
    assert refused.get_json()["error"] == {
        "code": "quota_exceeded",
        "message": "This file does not fit in your 3 MiB of file storage.",
    }
    assert too_much.sent <= 2 * MiB, "refused at the chunk that went past the quota"
    assert files_named(db_root, "over-quota.bin") == 0
    assert svc.get(f"/users/{user_id}/storage").get_json()["used"] == 2 * MiB

    assert upload(svc, room, user_id, Body(os.urandom(MiB))).status_code == 201
    full = Body(b"x")
    assert upload(svc, room, user_id, full).get_json()["error"]["code"] == "quota_exceeded"
    assert full.sent == 0, "a full account is refused before its body is read"
    assert stored_bytes(db_root, user_id) == 3 * MiB


def test_concurrent_uploads_cannot_pass_the_quota_together(make_app, h, db_root):
    """Both pass the early check while neither has committed; the locked
    usage row lets exactly one of them in."""
    app = make_app(UPLOAD_QUOTA_BYTES=3 * MiB)
    client = h.logged_in(app)
    room = h.new_room(client)
    bodies = [Body(os.urandom(2 * MiB)) for _ in range(2)]
    for body in bodies:
        body.pause_at = 2 * MiB - 1000
    answers = []

    def send(body):
        svc = h.service(app)
        answers.append(upload(svc, room, client.user["id"], body).status_code)

    threads = [threading.Thread(target=send, args=(body,)) for body in bodies]
    for thread in threads:
        thread.start()
    for body in bodies:
        assert body.paused.wait(30), "both uploads are under way at once"
    for body in bodies:
        body.resume.set()
    for thread in threads:
        thread.join(60)
    assert sorted(answers) == [201, 413]
    assert stored_bytes(db_root, client.user["id"]) == 2 * MiB


def test_transfers_past_the_slots_are_refused_and_a_closed_download_gives_back_its_slot(make_app, h):
    app = make_app(FILE_TRANSFERS_PER_WORKER=1)
    svc = h.service(app)
    client = h.logged_in(app)
    room = h.new_room(client)
    file_id = upload(svc, room, client.user["id"], Body(os.urandom(3 * MiB))).get_json()["id"]
    pool = app.extensions["db"]

    first = svc.get(f"/files/{file_id}", buffered=False)
    assert len(next(iter(first.response))) == MiB
    assert pool.figures()["in_use"] == 1, "the stream holds its connection"
    busy = svc.get(f"/files/{file_id}")
    assert busy.status_code == 503
    assert busy.get_json()["error"]["code"] == "unavailable"
    assert busy.headers["Retry-After"] == "1"
    waiting = Body(b"y" * 100)
    assert upload(svc, room, client.user["id"], waiting).status_code == 503
    assert waiting.sent == 0, "refused before the body is read"

    first.close()  # the client went away after one chunk
    assert pool.figures()["in_use"] == 0, "the connection went back to the pool"
    again = svc.get(f"/files/{file_id}")
    assert again.status_code == 200
    assert len(again.data) == 3 * MiB


def test_refusals(svc, client, room):
    user_id = client.user["id"]
    assert svc.get("/files/999999999").status_code == 404
    assert upload(svc, {"slug": "none-such"}, user_id, Body(b"x")).status_code == 404
    for bad in ("x", "0", "-1", str(2**64)):
        response = upload(svc, room, bad, Body(b"x"))
        assert response.status_code == 422
        assert response.get_json()["error"]["fields"] == {"user_id": "must be a positive integer"}
    unknown = upload(svc, room, 2**40, Body(b"x"))
    assert unknown.status_code == 422
    assert unknown.get_json()["error"]["fields"] == {"user_id": "no such user"}
    assert svc.get(f"/users/{2**40}/storage").status_code == 404


def test_long_filename_is_capped_and_type_kept(svc, client, room):
    name = "é" * 300 + ".png"
    response = upload(svc, room, client.user["id"], Body(b"x"), name=name, content_type="image/png")
    assert response.status_code == 201
    stored = response.get_json()
    assert len(stored["filename"]) == 200
    assert stored["filename"].endswith(".png")
    assert stored["content_type"] == "image/png"
    assert svc.get(f"/files/{stored['id']}").headers["Content-Type"] == "image/png"
