"""Read the stack's metrics inside its network, never through Nginx.

Each replica is read on its own (``docker exec`` into the container, which
fetches its own ``/metrics``), so a test sees what one replica reports as
well as the sum; the Nginx exporter is read from the Prometheus container.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable

from e2e.stack import container_ids, exec_in
from prometheus_client.parser import text_string_to_metric_families

FETCH = (
    "import urllib.request; "
    "print(urllib.request.urlopen('http://127.0.0.1:8000/metrics', timeout=10).read().decode())"
)


def replica_metrics(container: str) -> str:
    result = subprocess.run(
        ["docker", "exec", container, "python", "-c", FETCH],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 0, f"cannot read {container}'s /metrics: {result.stderr[-1000:]}"
    return result.stdout


def exporter_metrics() -> str:
    return exec_in("prometheus", "wget", "-qO-", "http://nginx-exporter:9113/metrics")


def value(text: str, name: str, /, **labels: str) -> float:
    """The sum of the samples called ``name`` whose labels include ``labels`` (0 when none)."""
    return sum(
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == name and labels.items() <= sample.labels.items()
    )


def per_replica(app: str, name: str, /, **labels: str) -> dict[str, float]:
    """``name`` on each running replica of ``app`` (web, ws, db-api), by container id."""
    return {cid: value(replica_metrics(cid), name, **labels) for cid in container_ids(app)}


def total(app: str, name: str, /, **labels: str) -> float:
    """``name`` summed over every replica of ``app``."""
    return sum(per_replica(app, name, **labels).values())


def poll(read: Callable[[], float], until: Callable[[float], bool], what: str, timeout: float = 30) -> float:
    """Read until ``until(value)`` holds; fail naming ``what`` and the last value."""
    deadline = time.monotonic() + timeout
    while True:
        current = read()
        if until(current):
            return current
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: still {current} after {timeout} s")
        time.sleep(0.5)
