"""Fixtures for the tests that run against a whole stack (e2e, faults, scale)."""

import os
import secrets

import pytest
import requests
from e2e.stack import new_room, register_and_login


@pytest.fixture(scope="session")
def base_url() -> str:
    url = os.environ.get("BASE_URL")
    if not url:
        pytest.fail("BASE_URL is not set: run these through `make test` (scripts/test-stack.sh)")
    return url.rstrip("/")


@pytest.fixture
def credentials() -> dict:
    return {"username": f"e2e_{secrets.token_hex(4)}", "password": "correct horse battery"}


@pytest.fixture
def logged_in(base_url, credentials) -> requests.Session:
    """A registered user's HTTP session, logged in through the JSON API."""
    return register_and_login(base_url, credentials)


@pytest.fixture(scope="module")
def user(base_url) -> requests.Session:
    return register_and_login(
        base_url, {"username": f"u_{secrets.token_hex(4)}", "password": "correct horse battery"}
    )


@pytest.fixture(scope="module")
def room(user, base_url) -> str:
    return new_room(base_url, user)
