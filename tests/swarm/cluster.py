"""The lab's swarm as the tests see it: nodes, tasks, where a request went.

Everything goes through the docker CLI (``DOCKER_HOST`` is the lab's
manager, set by scripts/test-swarm.sh) and the lab tool (``$SWARM_LAB``:
``exec``, ``kill``, ``start``); never the host engine's own swarm state.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

STACK = os.environ.get("STACK_NAME", "roomservice")
APP_SERVICES = ("web", "ws", "db-api")
LONG_RUNNING = (*APP_SERVICES, "nginx", "redis", "mysql")
FIGURES = Path(__file__).resolve().parents[2] / "test-output" / "swarm-figures.jsonl"


def run(*command: str, timeout: float = 120) -> str:
    result = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
    if result.returncode != 0:
        raise AssertionError(f"{' '.join(command)} failed: {result.stderr[-2000:]}")
    return result.stdout


def docker(*args: str, timeout: float = 120) -> str:
    return run("docker", *args, timeout=timeout)


def lab(*args: str, timeout: float = 180) -> str:
    return run(os.environ["SWARM_LAB"], *args, timeout=timeout)


def full_name(service: str) -> str:
    return f"{STACK}_{service}"


@dataclass(frozen=True)
class Node:
    id: str
    hostname: str
    state: str
    availability: str
    labels: dict


@dataclass(frozen=True)
class Task:
    id: str
    service: str
    node: str
    state: str
    address: str | None  # on the front network, where Nginx reaches it


def nodes() -> dict[str, Node]:
    """Every node by id."""
    ids = docker("node", "ls", "-q").split()
    found = {}
    for node in json.loads(docker("node", "inspect", *ids)):
        found[node["ID"]] = Node(
            node["ID"],
            node["Description"]["Hostname"],
            node["Status"]["State"],
            node["Spec"]["Availability"],
            node["Spec"].get("Labels") or {},
        )
    return found


def tasks(service: str) -> list[Task]:
    """The tasks Swarm wants running (whatever their state now)."""
    ids = docker("service", "ps", "-q", "--filter", "desired-state=running", full_name(service)).split()
    if not ids:
        return []
    hostnames = {node.id: node.hostname for node in nodes().values()}
    found = []
    for task in json.loads(docker("inspect", *ids)):
        address = None
        for attachment in task.get("NetworksAttachments") or []:
            if attachment["Network"]["Spec"]["Name"] == full_name("front"):
                address = attachment["Addresses"][0].split("/")[0]
        found.append(
            Task(
                task["ID"],
                service,
                hostnames.get(task.get("NodeID", ""), "?"),
                task["Status"]["State"],
                address,
            )
        )
    return found


def running(service: str) -> list[Task]:
    """Tasks that run and, having a healthcheck, passed it (Swarm's "running")."""
    return [task for task in tasks(service) if task.state == "running"]


def all_task_ids(service: str) -> set[str]:
    """Every task the service ever had, stopped ones included (a restart adds one)."""
    return set(docker("service", "ps", "-q", full_name(service)).split())


def desired(service: str) -> int:
    spec = json.loads(docker("service", "inspect", full_name(service)))[0]["Spec"]
    if "Global" in spec["Mode"]:
        edges = [
            node
            for node in nodes().values()
            if node.labels.get("roomservice.edge") == "true"
            and node.state == "ready"
            and node.availability == "active"
        ]
        return len(edges)
    return spec["Mode"]["Replicated"]["Replicas"]


def converged(services=LONG_RUNNING, avoid: str | None = None) -> bool:
    """Every service at full replicas, all running, none on ``avoid``."""
    for service in services:
        now = running(service)
        if len(now) != desired(service) or len(tasks(service)) != len(now):
            return False
        if avoid is not None and any(task.node == avoid for task in now):
            return False
    return True


def wait_converged(services=LONG_RUNNING, avoid: str | None = None, timeout: float = 180) -> float:
    """Seconds until :func:`converged`; fails after ``timeout``."""
    started = time.monotonic()
    while not converged(services, avoid):
        if time.monotonic() - started > timeout:
            state = {s: [(t.node, t.state) for t in tasks(s)] for s in services}
            raise AssertionError(f"not converged after {timeout:.0f} s: {state}")
        time.sleep(0.5)
    return time.monotonic() - started


def node_by_hostname(hostname: str) -> Node:
    return next(node for node in nodes().values() if node.hostname == hostname)


def app_worker() -> str:
    """A worker that holds no data and no edge: the one the tests drain and kill."""
    for node in sorted(nodes().values(), key=lambda n: n.hostname):
        if node.hostname != "manager" and not node.labels:
            return node.hostname
    raise AssertionError("no unlabelled worker in the lab")


def set_availability(hostname: str, availability: str) -> None:
    docker("node", "update", "--availability", availability, hostname)


def force_update(service: str, timeout: float = 300) -> None:
    """A rolling update in place (the same image): every task replaced, one at a time."""
    docker("service", "update", "--force", "--detach=false", "--quiet", full_name(service), timeout=timeout)


def ensure_tasks_on(hostname: str, services) -> None:
    """Rebalance (a rolling update) the services that have no task on the node."""
    for service in services:
        if not any(task.node == hostname for task in running(service)):
            force_update(service)
    assert all(any(t.node == hostname for t in running(s)) for s in services), (
        f"Swarm placed nothing of {services} on {hostname}"
    )


def upstreams(request_ids: set[str], timeout: float = 20) -> dict[str, str]:
    """request id -> the upstream address the edge Nginx sent it to, from its access log
    (written when a request ends: for a WebSocket, when it closes)."""
    found: dict[str, str] = {}
    deadline = time.monotonic() + timeout
    while True:
        for line in docker("service", "logs", "--raw", "--since", "2m", full_name("nginx")).splitlines():
            if line.startswith("{"):
                entry = json.loads(line)
                if entry.get("request_id") in request_ids and entry.get("upstream"):
                    found[entry["request_id"]] = entry["upstream"].split(",")[-1].strip()
        if set(found) >= request_ids or time.monotonic() > deadline:
            return found
        time.sleep(1)


def tasks_by_address(service: str) -> dict[str, Task]:
    return {f"{task.address}:8000": task for task in running(service)}


def ws_sockets_per_node(edge: str = "manager") -> dict[str, int]:
    """Open WebSockets per node, counted as the edge Nginx's connections to ws tasks."""
    container = lab(
        "exec",
        edge,
        "docker",
        "ps",
        "-q",
        "--filter",
        f"label=com.docker.swarm.service.name={full_name('nginx')}",
    ).split()[0]
    table = lab("exec", edge, "docker", "exec", container, "cat", "/proc/net/tcp")
    by_address = tasks_by_address("ws")
    counts: dict[str, int] = {}
    for line in table.splitlines()[1:]:
        fields = line.split()
        remote, state = fields[2], fields[3]
        if state != "01":  # ESTABLISHED
            continue
        address_hex, port_hex = remote.split(":")
        address = ".".join(str(b) for b in reversed(bytes.fromhex(address_hex)))
        task = by_address.get(f"{address}:{int(port_hex, 16)}")
        if task is not None:
            counts[task.node] = counts.get(task.node, 0) + 1
    return counts


def figure(name: str, **values) -> None:
    """One measured figure for docs/scaling.md, in test-output/swarm-figures.jsonl."""
    FIGURES.parent.mkdir(exist_ok=True)
    with FIGURES.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps({"figure": name, **values}) + "\n")
