"""What every abuse test checks besides its own bound.

An attack must not kill a gunicorn worker, get a container OOM-killed or
restarted, push a container past its memory limit, or stop a normal user from
being served. ``StackGuard`` takes a snapshot before the attack and checks
all of that after it; ``NormalUser`` is the bystander whose page and
WebSocket round trip must keep working while the attack runs.
"""

from __future__ import annotations

import contextlib
import functools
import json
import secrets
import subprocess
import threading
import time
from pathlib import Path

import requests
import websocket
from e2e.stack import client_address, compose, container_ids, inspect, new_room, register_and_login

SERVICES = ("nginx", "web", "ws", "db-api", "redis", "mysql")
WORKER_DEATHS = ("Worker was sent SIGKILL", "Perhaps out of memory", "WORKER TIMEOUT", "Traceback")


# Where the container's memory cgroup lives, by cgroup version and Docker's cgroup driver.
CGROUP_DIRS = (
    "/sys/fs/cgroup/memory/docker/{id}",
    "/sys/fs/cgroup/memory/system.slice/docker-{id}.scope",
    "/sys/fs/cgroup/system.slice/docker-{id}.scope",
    "/sys/fs/cgroup/docker/{id}",
)


def _cgroup_memory(container_id: str) -> int | None:
    """``docker stats``' figure (usage less inactive page cache) read straight
    from the cgroup: microseconds instead of a second per sample, so short
    peaks are seen. None when this host's cgroups are elsewhere."""
    for pattern in CGROUP_DIRS:
        path = Path(pattern.format(id=container_id))
        for usage_file, inactive_key in (
            ("memory.usage_in_bytes", "total_inactive_file"),
            ("memory.current", "inactive_file"),
        ):
            try:
                usage = int((path / usage_file).read_text())
                stat = dict(line.split() for line in (path / "memory.stat").read_text().splitlines())
            except (OSError, ValueError):
                continue
            inactive = int(stat.get(inactive_key, 0))
            return usage - inactive if inactive < usage else usage
    return None


@functools.cache
def _full_id(container: str) -> str:
    return inspect(container, "{{.Id}}")


def memory_bytes(container: str) -> int:
    """The container's current memory use as its cgroup counts it."""
    from_cgroup = _cgroup_memory(_full_id(container))
    if from_cgroup is not None:
        return from_cgroup
    out = subprocess.run(
        ["docker", "stats", "--no-stream", "--format", "{{json .}}", container],
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    ).stdout
    used = json.loads(out)["MemUsage"].split("/")[0].strip()
    units = {"B": 1, "KiB": 1024, "MiB": 1024**2, "GiB": 1024**3, "kB": 1000, "MB": 1000**2, "GB": 1000**3}
    for unit in sorted(units, key=len, reverse=True):
        if used.endswith(unit):
            return int(float(used[: -len(unit)]) * units[unit])
    raise AssertionError(f"cannot read memory use {used!r} of {container}")


class MemoryPeak(threading.Thread):
    """Samples every container's memory while an attack runs; keeps the peak."""

    def __init__(self, containers: dict[str, str], interval: float = 0.5):
        super().__init__(daemon=True)
        self.containers, self.interval = containers, interval
        self.peak: dict[str, int] = dict.fromkeys(containers, 0)
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            for name, container in self.containers.items():
                with contextlib.suppress(subprocess.SubprocessError, AssertionError, ValueError):
                    self.peak[name] = max(self.peak[name], memory_bytes(container))
            self.done.wait(self.interval)

    def stop(self) -> dict[str, int]:
        self.done.set()
        self.join(60)
        return self.peak


class StackGuard:
    """Snapshot before an attack; ``check()`` after it fails on any casualty."""

    def __init__(self):
        self.since = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(time.time() - 1))
        self.containers = {
            f"{service}/{i}": cid for service in SERVICES for i, cid in enumerate(container_ids(service))
        }
        self.restarts = {name: self.restart_count(cid) for name, cid in self.containers.items()}
        self.memory = MemoryPeak(self.containers)

    @staticmethod
    def restart_count(container: str) -> int:
        return int(inspect(container, "{{.RestartCount}}"))

    def __enter__(self) -> StackGuard:
        self.memory.start()
        return self

    def __exit__(self, *exc) -> None:
        self.peak = self.memory.stop()

    def check(self) -> dict[str, int]:
        """Assert nothing died or outgrew its limit; return the memory peaks."""
        for name, cid in self.containers.items():
            assert inspect(cid, "{{.State.OOMKilled}}") == "false", f"{name} was OOM-killed"
            assert inspect(cid, "{{.State.Running}}") == "true", f"{name} is not running"
            assert self.restart_count(cid) == self.restarts[name], f"{name} restarted"
            limit = int(inspect(cid, "{{.HostConfig.Memory}}"))
            if limit:
                assert self.peak[name] < limit, f"{name} peaked at {self.peak[name]} of {limit} bytes"
        logs = compose("logs", "--no-log-prefix", "--since", self.since, "web", "ws", "db-api")
        for line in logs.splitlines():
            assert not any(death in line for death in WORKER_DEATHS), f"a worker died: {line}"
        return self.peak


class NormalUser(threading.Thread):
    """A bystander who loads a page and makes a WebSocket round trip, over and
    over at a person's pace, from an address of their own, while an attack
    runs; ``failures`` lists what went wrong."""

    def __init__(self, base_url: str):
        super().__init__(daemon=True)
        self.base_url = base_url
        self.address = client_address()
        self.client = register_and_login(
            base_url,
            {"username": f"bystander_{secrets.token_hex(4)}", "password": "correct horse battery"},
            headers={"X-Forwarded-For": self.address},
        )
        self.room = new_room(base_url, self.client)
        self.done = threading.Event()
        self.rounds = 0
        self.failures: list[str] = []

    def round_trip(self) -> None:
        page = self.client.get(f"{self.base_url}/rooms/{self.room}", timeout=10)
        if page.status_code != 200:
            self.failures.append(f"room page answered {page.status_code}")
            return
        url = "ws" + self.base_url[len("http") :] + f"/ws/rooms/{self.room}"
        cookie = "; ".join(f"{k}={v}" for k, v in self.client.cookies.items())
        sock = websocket.create_connection(
            url, cookie=cookie, header=[f"X-Forwarded-For: {self.address}"], timeout=10
        )
        try:
            sock.send(json.dumps({"type": "ping"}))
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                if json.loads(sock.recv()).get("type") == "pong":
                    return
            self.failures.append("no pong within 10 s")
        finally:
            sock.close()

    def run(self) -> None:
        while not self.done.is_set():
            try:
                self.round_trip()
                self.rounds += 1
            except (requests.RequestException, websocket.WebSocketException, OSError) as exc:
                self.failures.append(f"{type(exc).__name__}: {exc}")
            self.done.wait(1)

    def __enter__(self) -> NormalUser:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.done.set()
        self.join(30)

    def check(self) -> None:
        assert self.rounds > 0, "the bystander was never served"
        assert not self.failures, f"the bystander was not served: {self.failures[:5]}"
