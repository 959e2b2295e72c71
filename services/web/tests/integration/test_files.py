"""Sharing a file in a room and downloading it, end to end through Nginx, web
and db-api: byte for byte, the size limit, the quota, a cut-off upload."""

import hashlib
import html
import http.client
import os
import re
import time
from urllib.parse import urlsplit

import pymysql
import pytest

from .conftest import BASE_URL, CSRF, Browser, flashes

MiB = 1024 * 1024


def upload(user, room, name, content, content_type="application/octet-stream"):
    return user.submit(
        room["path"], action=room["path"] + "/files", files={"file": (name, content, content_type)}
    )


def file_link(user, room, name):
    page = user.get(room["path"]).text
    match = re.search(r"shared " + re.escape(name) + r" \([^)]*\): <a href=\"(/files/\d+)\"", page)
    assert match, f"the room shows no link to {name}"
    return match.group(1)


@pytest.fixture
def database():
    """The stack's own database, as root, to see what was stored."""
    con = pymysql.connect(
        host=os.environ["TEST_DB_HOST"],
        port=int(os.environ["TEST_DB_PORT"]),
        user="root",
        password=os.environ["TEST_DB_ROOT_PASSWORD"],
        database=os.environ.get("DB_NAME", "roomservice"),
        ssl_disabled=True,
        autocommit=True,
        cursorclass=pymysql.cursors.DictCursor,
    )
    yield con
    con.close()


def query(con, sql, *args):
    with con.cursor() as cur:
        cur.execute(sql, args)
        return cur.fetchall()


def test_upload_posts_a_message_and_downloads_as_attachment(user, room):
    content = b"%PDF-1.4 not really a pdf \x00\x01\x02"
    response = upload(user, room, "Quarterly report.pdf", content, "text/html")
    assert response.status_code == 302
    assert response.headers["Location"].replace(BASE_URL, "") == room["path"]
    page = user.get(room["path"])
    assert ("success", "Shared Quarterly report.pdf.") in flashes(page)
    link = re.search(r'<a href="(/files/(\d+))">/files/\d+</a>', page.text)
    assert link, "the room shows a message linking the file"
    assert "Quarterly report.pdf" in page.text

    download = user.get(link.group(1))
    assert download.status_code == 200
    assert download.content == content
    assert download.headers["Content-Type"] == "application/pdf"
    assert download.headers["Content-Length"] == str(len(content))
    assert download.headers["Content-Disposition"] == 'attachment; filename="Quarterly report.pdf"'
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert download.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"

    anonymous = Browser().get(link.group(1), allow_redirects=False)
    assert anonymous.status_code == 302
    assert "/auth/login?next=" in anonymous.headers["Location"]


def test_a_file_of_several_chunks_round_trips_byte_for_byte(user, room):
    content = os.urandom(3 * MiB + 12345)
    assert upload(user, room, "several chunks.bin", content).status_code == 302
    download = user.http.get(user.url(file_link(user, room, "several chunks.bin")), stream=True, timeout=60)
    assert download.status_code == 200
    assert download.headers["Content-Length"] == str(len(content))
    digest = hashlib.sha256()
    for piece in download.iter_content(256 * 1024):
        digest.update(piece)
    assert digest.hexdigest() == hashlib.sha256(content).hexdigest()


def test_html_file_is_never_served_as_a_page(user, room):
    upload(user, room, "evil.html", b"<script>alert(1)</script>", "text/html")
    file_path = re.search(r'href="(/files/\d+)"', user.get(room["path"]).text).group(1)
    download = user.get(file_path)
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in download.headers["Content-Security-Policy"]


def test_a_non_ascii_name_is_kept_for_the_download(user, room):
    upload(user, room, "Überblick 会议.txt", b"hello")
    download = user.get(file_link(user, room, "Überblick 会议.txt"))
    assert download.headers["Content-Disposition"] == (
        "attachment; filename=\"Uberblick .txt\"; filename*=UTF-8''%C3%9Cberblick%20%E4%BC%9A%E8%AE%AE.txt"
    )


def test_upload_without_a_file_rerenders_the_room(user, room):
    response = user.submit(room["path"], action=room["path"] + "/files")
    assert response.status_code == 400
    assert "Choose a file to share." in response.text


def test_upload_without_the_csrf_token_is_refused_and_stores_nothing(user, room):
    files = {"file": ("forged.txt", b"x")}
    url = user.url(room["path"] + "/files")
    response = user.http.post(url, files=files, allow_redirects=False, timeout=30)
    assert response.status_code == 400
    assert "This form has expired or was sent from another site." in response.text
    assert "forged.txt" not in user.get(room["path"]).text


def test_unknown_file_is_404(user):
    assert user.get("/files/999999999").status_code == 404


def test_upload_to_an_unknown_room_is_404(user, room):
    files = {"file": ("a.txt", b"x")}
    response = user.submit(room["path"], action="/rooms/no-such-room-here/files", files=files)
    assert response.status_code == 404


def test_too_large_upload_is_the_413_page_from_nginx(user, room):
    big = b"x" * (10 * MiB + 1024)
    response = upload(user, room, "big.bin", big)
    assert response.status_code == 413
    assert "text/html" in response.headers["Content-Type"]
    assert "That file is too large" in response.text


def test_the_quota_is_a_413_with_what_is_left(user, room, database):
    """The account is brought near its quota in the database itself (100 MiB
    of uploads would take a while), as if it had stored that much."""
    user_id = query(database, "SELECT id FROM users WHERE username = %s", user.username)[0]["id"]
    quota = 100 * MiB
    query(
        database,
        "INSERT INTO storage_usage (user_id, bytes) VALUES (%s, %s) "
        "ON DUPLICATE KEY UPDATE bytes = VALUES(bytes)",
        user_id,
        quota - 100,
    )
    response = upload(user, room, "one too many.bin", b"x" * 101)
    assert response.status_code == 413
    assert "This file does not fit in your file storage: 100 bytes of 100 MiB left." in html.unescape(
        response.text
    )
    assert upload(user, room, "just fits.bin", b"x" * 100).status_code == 302
    full = upload(user, room, "no room.bin", b"x")
    assert full.status_code == 413
    assert "You have used all 100 MiB of your file storage." in html.unescape(full.text)
    assert query(database, "SELECT bytes FROM storage_usage WHERE user_id = %s", user_id)[0]["bytes"] == quota


def rows_in_flight(database) -> int:
    """Rows written by transactions not yet ended (db-api's upload is the only writer here)."""
    rows = query(database, "SELECT COALESCE(SUM(trx_rows_modified), 0) n FROM information_schema.innodb_trx")
    return int(rows[0]["n"])


def wait_until(condition, message: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, message
        time.sleep(0.2)


def test_an_upload_cut_off_midway_stores_nothing(user, room, database):
    """The client stops in the middle of its file once db-api has written a
    chunk in its transaction; when that transaction has ended, nothing of the
    file is stored."""
    token = html.unescape(CSRF.search(user.get(room["path"]).text).group(1))
    boundary = "----cut-off-test"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{token}\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="cut off.bin"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    url = urlsplit(BASE_URL)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    conn.putrequest("POST", room["path"] + "/files")
    conn.putheader("Content-Type", f"multipart/form-data; boundary={boundary}")
    conn.putheader("Content-Length", str(len(head) + 6 * MiB + len(tail)))
    conn.putheader("Cookie", "; ".join(f"{k}={v}" for k, v in user.http.cookies.items()))
    conn.endheaders()
    conn.send(head + os.urandom(2 * MiB))
    # The files row and at least one chunk, written and not committed.
    wait_until(lambda: rows_in_flight(database) >= 2, "db-api never began writing chunks")
    conn.close()
    wait_until(lambda: rows_in_flight(database) == 0, "the upload's transaction never ended")
    assert not query(database, "SELECT id FROM files WHERE filename = %s", "cut off.bin")
