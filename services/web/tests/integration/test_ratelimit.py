"""Login and register attempts are rate-limited, counted in the real Redis.

The app runs in-process against the test stack's Redis (``TEST_REDIS_URL``)
with low limits, each test from an address of its own; the stack behind
Nginx runs with the limits raised.
"""

import io
import os
import secrets

import pytest

from servicekit.sessions import log_in
from web import create_app


@pytest.fixture
def limited(monkeypatch):
    redis_url = os.environ.get("TEST_REDIS_URL")
    if not redis_url:
        pytest.fail("TEST_REDIS_URL is not set: run through `make test` (scripts/test-stack.sh)")
    monkeypatch.setenv("APP_ENV", "testing")
    app = create_app(
        {
            "REDIS_URL": redis_url,
            "RATELIMIT_STORAGE_URI": redis_url,
            "DB_API_URL": "http://127.0.0.1:9",
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": True,
            "RATELIMIT_LOGIN": "2/minute",
            "RATELIMIT_REGISTER": "2/minute",
        }
    )
    client = app.test_client()
    # Each test its own client address, so no test inherits another's count.
    client.environ_base["REMOTE_ADDR"] = (
        f"10.{secrets.randbelow(256)}.{secrets.randbelow(256)}.{secrets.randbelow(256)}"
    )
    return client


@pytest.mark.parametrize("path", ["/auth/login", "/auth/register"])
def test_too_many_attempts_get_the_429_page(limited, path):
    attempt = {"username": f"someone_{secrets.token_hex(4)}"}
    statuses = [limited.post(path, data=attempt).status_code for _ in range(3)]
    assert statuses == [422, 422, 429]
    page = limited.post(path, data=attempt)
    assert "Slow down a little" in page.text
    assert "the limit is 2 per 1 minute" in page.text
    assert int(page.headers["Retry-After"]) > 0


def test_viewing_the_form_is_not_an_attempt(limited):
    for _ in range(5):
        assert limited.get("/auth/login").status_code == 200
    assert limited.post("/auth/login", data={"username": f"viewer_{secrets.token_hex(4)}"}).status_code == 422


@pytest.fixture
def uploader(monkeypatch):
    """A logged-in session on an in-process app with a low upload limit. The
    app's db-api is unreachable: an upload the limit lets through ends in
    503, one it stops is a 429 before any of its body is read."""
    redis_url = os.environ.get("TEST_REDIS_URL")
    if not redis_url:
        pytest.fail("TEST_REDIS_URL is not set: run through `make test` (scripts/test-stack.sh)")
    monkeypatch.setenv("APP_ENV", "testing")
    app = create_app(
        {
            "REDIS_URL": redis_url,
            "RATELIMIT_STORAGE_URI": redis_url,
            "DB_API_URL": "http://127.0.0.1:9",
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": True,
            "RATELIMIT_UPLOADS": "2/minute",
        }
    )

    # Only a session stored in Redis holds a login, so the test logs in the
    # way the login view does.
    @app.post("/_test/login/<int:user_id>")
    def test_login(user_id: int):
        log_in({"id": user_id, "username": f"uploader{user_id}"})
        return "", 204

    def session(user_id: int):
        client = app.test_client()
        assert client.post(f"/_test/login/{user_id}").status_code == 204
        return client

    return session


def random_address() -> str:
    return f"10.{secrets.randbelow(256)}.{secrets.randbelow(256)}.{secrets.randbelow(256)}"


def post_file(client, address: str):
    return client.post(
        "/rooms/general/files",
        data={"file": (io.BytesIO(b"x" * 1000), "a.txt")},
        headers={"X-Forwarded-For": address},
    )


def test_uploads_are_limited_per_address(uploader):
    address = random_address()
    statuses = [post_file(uploader(secrets.randbelow(10**9) + 1), address).status_code for _ in range(3)]
    assert statuses == [503, 503, 429]


def test_uploads_are_limited_per_account(uploader):
    client = uploader(secrets.randbelow(10**9) + 1)
    statuses = [post_file(client, random_address()).status_code for _ in range(3)]
    assert statuses == [503, 503, 429]
    page = post_file(client, random_address())
    assert "the limit is 2 per 1 minute" in page.text
    assert int(page.headers["Retry-After"]) > 0
