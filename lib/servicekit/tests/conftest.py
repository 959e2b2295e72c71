import socket

import pytest
from flask import Flask, jsonify, session

from servicekit.app import init_service
from servicekit.errors import register_error_handlers


def closed_port() -> int:
    """A loopback port nothing listens on: a real, instantly refused Redis."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class DemoConfig:
    def __init__(self, environ):
        super().__init__(environ)


def render(status, code, message, fields=None):
    response = jsonify(error={"code": code, "message": message})
    response.status_code = status
    return response


@pytest.fixture
def app(monkeypatch):
    monkeypatch.setenv("APP_ENV", "testing")
    monkeypatch.setenv("REDIS_URL", f"redis://127.0.0.1:{closed_port()}/0")
    app = Flask(__name__)
    init_service(app, service="demo", config_mixin=DemoConfig, path_prefix="/demo")
    register_error_handlers(app, render)

    @app.get("/whoami")
    def whoami():
        return jsonify(user=session.get("user_id"))

    @app.get("/boom")
    def boom():
        raise RuntimeError("secret detail")

    return app


@pytest.fixture
def stored_session_id() -> str:
    """What a login's cookie holds: a stored session's id (43 URL-safe characters).
    Any other value is read as a signed anonymous cookie, which never reaches Redis."""
    return "A" * 43
