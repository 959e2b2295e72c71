"""Fixtures for the Swarm tests (run by scripts/test-swarm.sh on a lab of
three nodes): the edge everyone's requests go to, a logged-in user, rooms."""

import os
import secrets
import time

import pytest
import requests
from e2e.stack import new_room, register_and_login


@pytest.fixture(scope="session")
def base() -> str:
    """The manager's edge Nginx, where every test client connects."""
    url = os.environ.get("SWARM_BASE_URL")
    if not url:
        pytest.fail("SWARM_BASE_URL is not set: run these through `make test-swarm`")
    return url.rstrip("/")


@pytest.fixture(scope="session")
def edges() -> list[str]:
    return os.environ["SWARM_EDGE_URLS"].split(",")


@pytest.fixture(scope="session", autouse=True)
def stack_ready(base):
    """Every service answers through the edge (the script already waited for
    Swarm to run every task)."""
    deadline = time.monotonic() + 120
    while True:
        try:
            if all(
                requests.get(base + p, timeout=3).status_code == 200
                for p in ("/ready", "/api/ready", "/ws/ready")
            ):
                return
        except requests.RequestException:
            pass
        assert time.monotonic() < deadline, "the stack is not ready through the edge"
        time.sleep(1)


@pytest.fixture(scope="module")
def user(base) -> requests.Session:
    return register_and_login(
        base, {"username": f"s_{secrets.token_hex(4)}", "password": "correct horse battery"}
    )


@pytest.fixture
def room(base, user) -> str:
    """A fresh room per test, so what a test counts is its own."""
    return new_room(base, user)
