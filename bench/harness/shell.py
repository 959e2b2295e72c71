"""Commands against the bench stack: compose, the client container, the log."""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path

CLIENT = os.environ.get("BENCH_CLIENT", "roomservice-bench-client")
PROJECT = os.environ.get("COMPOSE_PROJECT_NAME", "roomservice-bench")
IMAGE = os.environ.get("BENCH_IMAGE", "roomservice/bench:latest")
NGINX = "http://nginx:8080"

_log_file = None


def open_log(path: Path) -> None:
    global _log_file
    _log_file = open(path, "w", encoding="utf-8")  # noqa: SIM115 - open for the whole run


def log(text: str = "") -> None:
    print(text, flush=True)
    if _log_file is not None:
        _log_file.write(text + "\n")
        _log_file.flush()


def run(cmd: list[str], check: bool = True, timeout: float | None = None, stdin: str | None = None) -> str:
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, input=stdin, check=False)
    if check and done.returncode != 0:
        log(f"$ {' '.join(cmd)}\n{done.stdout}{done.stderr}")
        raise SystemExit(f"bench: command failed ({done.returncode}): {' '.join(cmd[:6])} ...")
    return done.stdout + (done.stderr if not check or done.returncode else "")


def client(*args: str, timeout: float | None = None) -> str:
    """Run a command in the long-lived client container (wrk, the Python tools)."""
    return run(["docker", "exec", CLIENT, *args], timeout=timeout)


def compose(*args: str, check: bool = True) -> str:
    return run(["docker", "compose", *args], check=check)


def container_ids(service: str) -> list[str]:
    return compose("ps", "-q", service).split()


def reload_nginx() -> None:
    compose("exec", "-T", "nginx", "nginx", "-s", "reload")
    time.sleep(1)


def scale(**replicas: int) -> None:
    """``docker compose up --scale`` for the named services, then reload Nginx (new addresses)."""
    args = ["up", "-d", "--wait", "--no-recreate"]
    for service, count in replicas.items():
        args += ["--scale", f"{service.replace('_', '-')}={count}"]
    compose(*args, *(s.replace("_", "-") for s in replicas))
    reload_nginx()


def last_json(text: str) -> dict:
    """The last line of ``text`` that is a JSON object (the tools print progress before it)."""
    for line in reversed(text.strip().splitlines()):
        if line.startswith("{"):
            return json.loads(line)
    raise SystemExit(f"bench: no JSON result in:\n{text}")


def check_dns() -> None:
    """Docker's embedded DNS forgets existing networks' names when the engine joins or leaves a
    swarm (e.g. scripts/test-swarm.sh running meanwhile): stop with a clear message then."""
    done = subprocess.run(
        ["docker", "exec", CLIENT, "getent", "hosts", "nginx", "web", "db-api", "bench-hello"],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0 or len(done.stdout.splitlines()) < 4:
        raise SystemExit(
            "bench: Docker's embedded DNS no longer resolves the bench stack's service names (an engine"
            " joining or leaving a swarm meanwhile does this); re-run `make bench`"
        )
