"""The container healthcheck for orchestrators that kill unhealthy tasks.

Docker Swarm has one healthcheck and uses it twice: a new task counts as
started when it is first healthy (a rolling update with ``order:
start-first`` stops an old task only then, and ``failure_action: rollback``
acts on it), and a running task that turns unhealthy is replaced. Probing
``/ready`` would replace every task whenever Redis or MariaDB blips;
probing ``/health`` alone would let a task that cannot reach them replace a
working one. So this asks ``STARTUP_CHECK_URL`` (``/ready``) until it has
answered 200 once, remembers that in a file on the container's tmpfs, and
from then on asks ``HEALTHCHECK_URL`` (``/health``, the process alone).
Readiness after start is left to the services' 503s and to Nginx, which
passes an idempotent request that got one on to another replica.

    python -m servicekit.healthcheck      # exit 0 healthy, 1 not
"""

from __future__ import annotations

import os
import sys
import urllib.request
from pathlib import Path

from servicekit.settings import value

# Below the orchestrator's own timeout (10 s in deploy/swarm/stack.yml).
TIMEOUT_SECONDS = 8


def answers(url: str) -> bool:
    """True when ``url`` answers 2xx within the timeout."""
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT_SECONDS):  # noqa: S310 - our own URL
            return True
    except OSError:
        return False


def check(environ: dict[str, str]) -> bool:
    startup = value(environ, "STARTUP_CHECK_URL")
    marker = Path(value(environ, "HEALTHCHECK_MARKER"))
    if startup and not marker.exists():
        if not answers(startup):
            return False
        marker.touch()
        return True
    return answers(value(environ, "HEALTHCHECK_URL"))


if __name__ == "__main__":
    sys.exit(0 if check(dict(os.environ)) else 1)
