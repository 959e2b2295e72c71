"""Sharing a file in a room, downloading it, and the size limit through Nginx."""

import re

from .conftest import BASE_URL, Browser, flashes


def upload(user, room, name, content, content_type="application/octet-stream"):
    return user.submit(
        room["path"], action=room["path"] + "/files", files={"file": (name, content, content_type)}
    )


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
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert "Quarterly report.pdf" in download.headers["Content-Disposition"]
    assert download.headers["X-Content-Type-Options"] == "nosniff"

    anonymous = Browser().get(link.group(1), allow_redirects=False)
    assert anonymous.status_code == 302
    assert "/auth/login?next=" in anonymous.headers["Location"]


def test_html_file_is_never_served_as_a_page(user, room):
    upload(user, room, "evil.html", b"<script>alert(1)</script>", "text/html")
    file_path = re.search(r'href="(/files/\d+)"', user.get(room["path"]).text).group(1)
    download = user.get(file_path)
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert download.headers["X-Content-Type-Options"] == "nosniff"


def test_upload_without_a_file_rerenders_the_room(user, room):
    response = user.submit(room["path"], action=room["path"] + "/files")
    assert response.status_code == 400
    assert "Choose a file to share." in response.text


def test_unknown_file_is_404(user):
    assert user.get("/files/999999999").status_code == 404


def test_too_large_upload_is_the_413_page_from_nginx(user, room):
    big = b"x" * (10 * 1024 * 1024 + 1024)
    response = upload(user, room, "big.bin", big)
    assert response.status_code == 413
    assert "text/html" in response.headers["Content-Type"]
    assert "That file is too large" in response.text
