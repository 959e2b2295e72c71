"""CPU per layer: each container's cgroup CPU (v1 cpuacct or v2 cpu.stat), dockerd, the machine."""

from __future__ import annotations

import os
import time
from pathlib import Path

from harness.shell import CLIENT, compose, container_ids, log, run

SERVICES = (
    "nginx",
    "web",
    "ws",
    "db-api",
    "redis",
    "mysql",
    "bench-hello",
    "bench-echo",
    "bench-dbapi-newconn",
    "bench-dbapi-newconn-tls",
)
CLIENT_KEY = "client (wrk, wsbench)"
DOCKERD_KEY = "dockerd (logs, proxy)"
OUTSIDE = "outside the bench stack"


def container_cpu_ns(container: str) -> int:
    for path in (
        f"/sys/fs/cgroup/cpuacct/docker/{container}/cpuacct.usage",
        f"/sys/fs/cgroup/cpu,cpuacct/docker/{container}/cpuacct.usage",
    ):
        try:
            return int(Path(path).read_text())
        except OSError:
            continue
    for path in (
        f"/sys/fs/cgroup/system.slice/docker-{container}.scope/cpu.stat",
        f"/sys/fs/cgroup/docker/{container}/cpu.stat",
    ):
        try:
            for line in Path(path).read_text().splitlines():
                if line.startswith("usage_usec "):
                    return int(line.split()[1]) * 1000
        except OSError:
            continue
    return 0


def process_cpu_ns(name: str) -> int:
    total = 0
    tick = os.sysconf("SC_CLK_TCK")
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if Path(f"/proc/{pid}/comm").read_text().strip() != name:
                continue
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) * 1_000_000_000 // tick
    return total


def machine_busy_ns() -> int:
    fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    busy = sum(fields[:8]) - fields[3] - fields[4]  # all but idle and iowait
    return busy * 1_000_000_000 // os.sysconf("SC_CLK_TCK")


def per_request(
    before: dict[str, int], after: dict[str, int], idle: dict[str, float], requests: int, elapsed: float
) -> dict[str, float]:
    """CPU µs per request for each key, less what the key burns when idle (healthchecks).

    ``machine`` becomes "outside the bench stack": the machine's busy time less every key's.
    """
    if not requests:
        return {}
    per = {k: (after[k] - before.get(k, 0) - idle.get(k, 0) * elapsed) / 1000 / requests for k in after}
    per[OUTSIDE] = per.pop("machine") - sum(per.values())
    return per


class CpuMeter:
    """Snapshots of every container's CPU; the idle rate is measured once and subtracted."""

    def __init__(self):
        self.containers: dict[str, list[str]] = {}
        self.idle: dict[str, float] = {}  # ns of CPU per second per key with the stack idle

    def refresh(self) -> None:
        """Container ids change when services are scaled: look them up again."""
        defined = set(compose("config", "--services").split())
        self.containers = {service: container_ids(service) for service in SERVICES if service in defined}
        self.containers[CLIENT_KEY] = [run(["docker", "inspect", "-f", "{{.Id}}", CLIENT]).strip()]

    def snapshot(self) -> dict[str, int]:
        snap = {name: sum(container_cpu_ns(c) for c in ids) for name, ids in self.containers.items()}
        snap[DOCKERD_KEY] = process_cpu_ns("dockerd") + process_cpu_ns("containerd")
        snap["machine"] = machine_busy_ns()
        return snap

    def measure_idle(self, seconds: float = 10.0) -> None:
        self.refresh()
        before, started = self.snapshot(), time.monotonic()
        time.sleep(seconds)
        after, elapsed = self.snapshot(), time.monotonic() - started
        self.idle = {k: (after[k] - before.get(k, 0)) / elapsed for k in after}
        busy = ", ".join(f"{k} {v / 1e7:.1f}%" for k, v in self.idle.items() if v >= 1e6)
        log(f"idle CPU (of one core) over {seconds:.0f} s, subtracted from every run: {busy}")

    def per_request(self, before: dict[str, int], requests: int, elapsed: float) -> dict[str, float]:
        return per_request(before, self.snapshot(), self.idle, requests, elapsed)
