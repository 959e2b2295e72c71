"""Unit fixtures: an app whose Redis and MariaDB are never reached.

Nothing is mocked: the tests below only take code paths that touch neither
(no session cookie, limits off, errors raised before any query).
"""

from __future__ import annotations

import pytest

from dbapi import create_app


@pytest.fixture
def app(monkeypatch):
    monkeypatch.setenv("APP_ENV", "testing")
    app = create_app(
        {
            "REDIS_URL": "redis://127.0.0.1:1/0",
            "DB_HOST": "127.0.0.1",
            "DB_PORT": 1,
            "RATELIMIT_ENABLED": False,
            "MAX_BODY_BYTES": 1024,
            "PASSWORD_HASH_METHOD": "scrypt:1024:8:1",
        }
    )

    @app.get("/api/v1/_boom")
    def boom():
        raise RuntimeError("secret detail")

    return app


@pytest.fixture
def client(app):
    return app.test_client()
