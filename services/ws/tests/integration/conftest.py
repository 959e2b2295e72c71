"""Integration fixtures: a real stack behind Nginx at ``$BASE_URL`` (see scripts/test-stack.sh).

Users and rooms are created through the public API with unique names, so the
tests run against a shared stack and in any order. Helpers live in
``wsclient.py`` next to this file (pytest's importlib mode does not make test
directories importable, hence the path entry).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from wsclient import BASE_URL, User, post_json, unique


@pytest.fixture(autouse=True)
def needs_stack():
    if not BASE_URL:
        pytest.fail("needs a running stack: set BASE_URL (scripts/test-stack.sh does)")


@pytest.fixture
def make_user():
    def make() -> User:
        import requests

        http = requests.Session()
        username = unique("ws")
        credentials = {"username": username, "password": "correct horse battery"}
        assert post_json(http, "/api/v1/auth/register", credentials).status_code == 201
        login = post_json(http, "/api/v1/auth/login", credentials)
        assert login.status_code == 200, login.text
        return User(username, http.cookies["session"], http)

    return make


@pytest.fixture
def user(make_user) -> User:
    return make_user()


@pytest.fixture
def room(user) -> str:
    response = post_json(user.http, "/api/v1/rooms", {"name": unique("Room")})
    assert response.status_code == 201, response.text
    return response.json()["slug"]
