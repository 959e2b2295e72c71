"""End-to-end tests: the whole stack through Nginx, as a client sees it."""

import os
import secrets

import pytest
import requests


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
    client = requests.Session()
    assert client.post(f"{base_url}/api/v1/auth/register", json=credentials, timeout=5).status_code == 201
    assert client.post(f"{base_url}/api/v1/auth/login", json=credentials, timeout=5).status_code == 200
    return client
