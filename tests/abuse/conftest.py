"""Fixtures for the abuse suite (scripts/test-abuse.sh runs it against the
throwaway stack with the *default* limits).

Every attack test runs inside ``under_attack``: it yields a ``StackGuard``
(no worker killed, no container OOM-killed, restarted or past its memory
limit) and a ``NormalUser`` who must be served throughout.
"""

import contextlib

import pytest
from abuse.guard import NormalUser, StackGuard


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
