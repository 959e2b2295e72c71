"""Reach the stack under test from the tests: ``docker compose`` and our scripts.

scripts/test-stack.sh exports COMPOSE_PROJECT_NAME, COMPOSE_FILE and
COMPOSE_ENV_FILES, so a plain ``docker compose`` here means that stack.
"""

import json
import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def compose(*args: str, timeout: float = 60) -> str:
    result = subprocess.run(
        ["docker", "compose", *args], capture_output=True, text=True, timeout=timeout, check=False
    )
    if result.returncode != 0:
        raise AssertionError(f"docker compose {' '.join(args)} failed: {result.stderr[-2000:]}")
    return result.stdout


def exec_in(service: str, *command: str, timeout: float = 30) -> str:
    return compose("exec", "-T", service, *command, timeout=timeout)


def prometheus_api(path: str) -> dict:
    return json.loads(exec_in("prometheus", "wget", "-qO-", f"http://127.0.0.1:9090{path}"))


def run_script(name: str, *args: str, env: dict | None = None, timeout: float = 300) -> str:
    """Run one of scripts/ against the stack under test; fail with its output."""
    result = subprocess.run(
        [str(ROOT / "scripts" / name), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
        check=False,
    )
    assert result.returncode == 0, f"{name} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result.stdout
