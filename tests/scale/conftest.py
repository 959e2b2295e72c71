"""Scale-out tests: replicas behind Nginx and zero-downtime rollouts.

They reshape the stack under test (replica counts, new containers), so they
run last, after the end-to-end suite, in the same stack.
"""

import os
import secrets

import pytest
import requests
from e2e.stack import run_script


@pytest.fixture(scope="session")
def base_url() -> str:
    url = os.environ.get("BASE_URL")
    if not url:
        pytest.fail("BASE_URL is not set: run these through `make test` (scripts/test-stack.sh)")
    return url.rstrip("/")


@pytest.fixture(scope="session")
def two_of_each(base_url):
    run_script("scale.sh", env={"WEB": "2", "WS": "2", "API": "2"})
    return base_url


@pytest.fixture(scope="session")
def user(two_of_each) -> requests.Session:
    client = requests.Session()
    credentials = {"username": f"scale_{secrets.token_hex(4)}", "password": "correct horse battery"}
    assert client.post(f"{two_of_each}/api/v1/auth/register", json=credentials, timeout=5).status_code == 201
    assert client.post(f"{two_of_each}/api/v1/auth/login", json=credentials, timeout=5).status_code == 200
    return client


@pytest.fixture(scope="session")
def room(user, two_of_each) -> str:
    response = user.post(
        f"{two_of_each}/api/v1/rooms", json={"name": f"Scale {secrets.token_hex(3)}"}, timeout=5
    )
    assert response.status_code == 201, response.text
    return response.json()["slug"]
