"""servicekit against the test stack's real Redis (``TEST_REDIS_URL``, set by scripts/test-stack.sh).

A small app built by ``init_service`` stands for any of the three services:
it logs in, writes the session back, logs out and ends other sessions the
way their views do. It uses its own Redis database, flushed at the start.
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit, urlunsplit

import pytest
from flask import Flask, flash, get_flashed_messages, jsonify, session
from redis import Redis

from servicekit.app import init_service
from servicekit.sessions import current_user, end_other_sessions, log_in, log_out

REDIS_DB = 6


class DemoConfig:
    def __init__(self, environ):
        super().__init__(environ)


@pytest.fixture(scope="session")
def redis_url() -> str:
    url = os.environ.get("TEST_REDIS_URL")
    if not url:
        pytest.fail("TEST_REDIS_URL is not set: run through `make test` (scripts/test-stack.sh)")
    url = urlunsplit(urlsplit(url)._replace(path=f"/{REDIS_DB}"))
    Redis.from_url(url).flushdb()
    return url


@pytest.fixture
def redis_client(redis_url) -> Redis:
    return Redis.from_url(redis_url)


@pytest.fixture
def make_app(redis_url, monkeypatch):
    """``make_app(**settings)``: the demo app with these environment settings."""
    monkeypatch.setenv("APP_ENV", "testing")
    monkeypatch.setenv("REDIS_URL", redis_url)

    def make(**settings) -> Flask:
        for name, value in settings.items():
            monkeypatch.setenv(name, str(value))
        app = Flask(__name__)
        init_service(app, service="demo", config_mixin=DemoConfig, path_prefix="/demo")

        @app.post("/login/<int:user_id>")
        def login(user_id: int):
            log_in({"id": user_id, "username": f"user{user_id}"})
            flash("Welcome back.")
            return "", 204

        @app.post("/logout")
        def logout():
            log_out()
            flash("You are logged out.")
            return "", 204

        @app.get("/whoami")
        def whoami():
            return jsonify(user=current_user(), sid=session.sid)

        @app.get("/flashes")
        def flashes():
            return jsonify(get_flashed_messages())

        @app.post("/note")
        def note():
            session["note"] = "written back"
            return "", 204

        @app.post("/others")
        def others():
            return jsonify(ended=end_other_sessions())

        return app

    return make


@pytest.fixture
def app(make_app) -> Flask:
    return make_app()
