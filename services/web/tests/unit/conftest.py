"""Unit tests drive the app through Flask's test client, without Redis or db-api.

Only paths that need neither are exercised: anonymous requests carry no
session cookie (so the session is never read), forms fail validation before
any db-api call, and rate limits are off. Anything needing a real login is
in ``tests/integration``.
"""

import pytest

from web import create_app

# Nothing listens here: a view that does reach db-api gets "unavailable" at once.
UNREACHABLE = "http://127.0.0.1:9"


def make_app(**overrides):
    settings = {"RATELIMIT_ENABLED": False, "DB_API_URL": UNREACHABLE, **overrides}
    return create_app(settings)


@pytest.fixture(autouse=True)
def testing_env(monkeypatch):
    monkeypatch.setenv("APP_ENV", "testing")


@pytest.fixture
def app():
    """CSRF off, so form validation can be tested without a session in Redis."""
    return make_app(WTF_CSRF_ENABLED=False)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def csrf_client():
    """CSRF on, as in production."""
    return make_app().test_client()


@pytest.fixture
def app_factory():
    """For tests that need their own settings (a small MAX_CONTENT_LENGTH, an extra route)."""
    return make_app
