"""Integration fixtures: the real app in-process against the test stack's Redis and MariaDB.

The stack (``scripts/test-stack.sh``) exports where they are. Without those
variables the tests fail with a clear message: a skipped suite proves nothing.
A session creates its own database, migrates it with :mod:`dbapi.migrate`,
and uses its own Redis db number, flushed at the start.
"""

from __future__ import annotations

import itertools
import os
import secrets
from types import SimpleNamespace
from urllib.parse import urlsplit, urlunsplit

import pymysql
import pytest
from redis import Redis

from dbapi import create_app
from dbapi.migrate import grant_app_tables, migrate, provision_users, root_connection, settings

REQUIRED = ("TEST_REDIS_URL", "TEST_DB_HOST", "TEST_DB_PORT", "TEST_DB_ROOT_PASSWORD")
DB_NAME = "roomservice_it"
REDIS_DB = 5
SERVICE_TOKEN = "it-service-token-" + "x" * 32
PASSWORD = "correct horse"
_names = itertools.count()


def _env() -> dict[str, str]:
    missing = [name for name in REQUIRED if not os.environ.get(name)]
    if missing:
        pytest.fail(
            f"integration tests need {', '.join(missing)}: run them through scripts/test-stack.sh "
            "(or export what it exports)",
            pytrace=False,
        )
    return {name: os.environ[name] for name in REQUIRED}


def _redis_url(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{REDIS_DB}"))


@pytest.fixture(scope="session")
def env() -> dict[str, str]:
    return _env()


@pytest.fixture(scope="session")
def db_settings(env) -> dict:
    """dbapi.migrate's settings for the test database, with users of its own."""
    return settings(
        {
            "DB_HOST": env["TEST_DB_HOST"],
            "DB_PORT": env["TEST_DB_PORT"],
            "DB_NAME": DB_NAME,
            "DB_USER": "roomservice_it",
            "DB_PASSWORD": "it-app-" + secrets.token_hex(8),
            "DB_MIGRATE_USER": "roomservice_it_migrate",
            "DB_MIGRATE_PASSWORD": "it-migrate-" + secrets.token_hex(8),
            "DB_ROOT_PASSWORD": env["TEST_DB_ROOT_PASSWORD"],
        }
    )


@pytest.fixture(scope="session")
def base_config(env, db_settings) -> dict:
    """The test database provisioned and migrated as a deploy does; db-api connects as its
    rows-only user, so every integration test also proves that user is enough."""
    root = root_connection(db_settings, attempts=5)
    with root.cursor() as cur:
        cur.execute(f"DROP DATABASE IF EXISTS {DB_NAME}")
        cur.execute(f"CREATE DATABASE {DB_NAME} CHARACTER SET utf8mb4 COLLATE utf8mb4_bin")
    provision_users(root, db_settings)
    migrate(db_settings)
    grant_app_tables(root, db_settings)
    root.close()
    redis_url = _redis_url(env["TEST_REDIS_URL"])
    Redis.from_url(redis_url).flushdb()
    return {
        "SECRET_KEY": "it-secret-" + "y" * 32,
        "SERVICE_TOKEN": SERVICE_TOKEN,
        "REDIS_URL": redis_url,
        "DB_HOST": env["TEST_DB_HOST"],
        "DB_PORT": int(env["TEST_DB_PORT"]),
        "DB_NAME": DB_NAME,
        "DB_USER": db_settings["user"],
        "DB_PASSWORD": db_settings["password"],
        "RATELIMIT_LOGIN": "100000/minute",
        "RATELIMIT_LOGIN_FAILED": "100000/minute",
        "RATELIMIT_LOGIN_ACCOUNT": "100000/minute",
        "RATELIMIT_REGISTER": "100000/minute",
        "RATELIMIT_MESSAGES": "100000/minute",
        "RATELIMIT_ROOMS": "100000/minute",
        # Cheap hashes for the many accounts these tests make; test_auth.py
        # checks the production method (PASSWORD_HASH_METHOD's default).
        "PASSWORD_HASH_METHOD": "scrypt:1024:8:1",
    }


@pytest.fixture(scope="session")
def make_app(base_config):
    """``make_app(**overrides)``: a fresh app on the test database and Redis."""

    def make(**overrides):
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("APP_ENV", "testing")
            return create_app({**base_config, "RATELIMIT_STORAGE_URI": base_config["REDIS_URL"], **overrides})

    return make


@pytest.fixture(scope="session")
def app(make_app):
    return make_app()


@pytest.fixture(scope="session")
def redis_client(base_config) -> Redis:
    return Redis.from_url(base_config["REDIS_URL"])


@pytest.fixture
def db_root(base_config, db_settings):
    con = pymysql.connect(
        host=base_config["DB_HOST"],
        port=base_config["DB_PORT"],
        user="root",
        password=db_settings["root_password"],
        database=DB_NAME,
        ssl_disabled=True,
        autocommit=True,
        cursorclass=pymysql.cursors.DictCursor,
    )
    yield con
    con.close()


def unique(prefix: str = "u") -> str:
    return f"{prefix}{next(_names)}_{secrets.token_hex(3)}"


def register(client, username: str | None = None, password: str = PASSWORD) -> dict:
    username = username or unique()
    response = client.post("/api/v1/auth/register", json={"username": username, "password": password})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def logged_in(app, username: str | None = None, password: str = PASSWORD):
    """A test client logged in as a new (or the named existing) user."""
    client = app.test_client()
    if username is None:
        username = register(client, password=password)["username"]
    response = client.post("/api/v1/auth/login", json={"username": username, "password": password})
    assert response.status_code == 200, response.get_json()
    client.user = response.get_json()
    return client


def new_room(client, name: str | None = None) -> dict:
    response = client.post("/api/v1/rooms", json={"name": name or unique("Room ")})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


@pytest.fixture
def client(app):
    return logged_in(app)


@pytest.fixture
def room(client):
    return new_room(client)


class Service:
    """A test client that sends the service token on every request (paths below ``/api/internal``)."""

    def __init__(self, app):
        self.client = app.test_client()
        self.headers = {"Authorization": f"Bearer {SERVICE_TOKEN}", "X-Request-ID": "it-internal"}

    def get(self, path, headers=None, buffered=True, **kw):
        """Read whole and closed, as gunicorn closes every response (``buffered=False``: the test does)."""
        return self.client.get(
            "/api/internal" + path, headers={**self.headers, **(headers or {})}, buffered=buffered, **kw
        )

    def post(self, path, headers=None, **kw):
        return self.client.post("/api/internal" + path, headers={**self.headers, **(headers or {})}, **kw)


@pytest.fixture
def svc(app):
    return Service(app)


@pytest.fixture(scope="session")
def h():
    """The helpers above, for test modules (importlib mode keeps conftest unimportable)."""
    return SimpleNamespace(
        unique=unique, register=register, logged_in=logged_in, new_room=new_room, service=Service
    )
