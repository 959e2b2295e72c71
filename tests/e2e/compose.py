"""Run ``docker compose`` against the stack under test.

scripts/test-stack.sh exports COMPOSE_PROJECT_NAME, COMPOSE_FILE and
COMPOSE_ENV_FILES, so a plain ``docker compose`` here means that stack.
"""

import json
import subprocess


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
