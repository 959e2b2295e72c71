"""Uploading and downloading files the way a browser does, for the abuse tests."""

from __future__ import annotations

import hashlib
import html
import re

import requests
from e2e.stack import root_database

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def form_token(base_url: str, client: requests.Session, room: str) -> str:
    """The upload form's CSRF token. Fetch it once before uploading in
    parallel: concurrent first page views of one session each make a token,
    and only the last one written to the session stays valid."""
    page = client.get(f"{base_url}/rooms/{room}", timeout=30)
    return html.unescape(CSRF.search(page.text).group(1))


def upload(base_url: str, client: requests.Session, room: str, token: str, name: str, data: bytes):
    """The room page's upload form, sent like a browser sends it (token first, then the file)."""
    return client.post(
        f"{base_url}/rooms/{room}/files",
        data={"csrf_token": token},
        files={"file": (name, data, "application/octet-stream")},
        allow_redirects=False,
        timeout=180,
    )


def file_path(base_url: str, client: requests.Session, room: str, name: str) -> str:
    """The download link the room shows for the file shared as ``name``."""
    page = client.get(f"{base_url}/rooms/{room}", timeout=30).text
    match = re.search(r"shared " + re.escape(name) + r" \([^)]*\): <a href=\"(/files/\d+)\"", page)
    assert match, f"the room shows no link to {name}"
    return match.group(1)


def download(base_url: str, client: requests.Session, path: str) -> tuple[int, str, int]:
    """Status, SHA-256 and length of the body, read 64 KiB at a time."""
    with client.get(base_url + path, stream=True, timeout=180) as response:
        digest, length = hashlib.sha256(), 0
        for piece in response.iter_content(64 * 1024):
            digest.update(piece)
            length += len(piece)
        return response.status_code, digest.hexdigest(), length


def stored_sizes(name: str) -> list[int]:
    """The sizes of the files named ``name`` that the stack's database holds."""
    con = root_database()
    try:
        with con.cursor() as cur:
            cur.execute("SELECT size FROM files WHERE filename = %s", (name,))
            return [row[0] for row in cur.fetchall()]
    finally:
        con.close()
