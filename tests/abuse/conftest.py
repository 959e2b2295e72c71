"""Fixtures for the abuse suite (scripts/test-abuse.sh runs it against the
throwaway stack with the *default* limits).

Every attack test runs inside ``under_attack``: it yields a ``StackGuard``
(no worker killed, no container OOM-killed, restarted or past its memory
limit) and a ``NormalUser`` who must be served throughout.
"""

import contextlib
import os

import pytest
from abuse.guard import NormalUser, StackGuard
from redis import Redis


@pytest.fixture
def under_attack(base_url):
    @contextlib.contextmanager
    def attack():
        bystander = NormalUser(base_url)
        with StackGuard() as guard, bystander:
            yield guard
        guard.check()
        bystander.check()

    return attack


@pytest.fixture(scope="session")
def redis_client():
    """The stack's Redis, as scripts/test-stack.sh publishes it on loopback."""
    url = os.environ.get("TEST_REDIS_URL")
    if not url:
        pytest.fail("TEST_REDIS_URL is not set: run through `make test` (scripts/test-stack.sh)")
    return Redis.from_url(url)
