"""Reach the stack under test from the tests: ``docker compose`` and our scripts.

scripts/test-stack.sh exports COMPOSE_PROJECT_NAME, COMPOSE_FILE and
COMPOSE_ENV_FILES, so a plain ``docker compose`` here means that stack.
"""

import json
import os
import secrets
import subprocess
import time
from pathlib import Path

import pymysql
import requests
import websocket

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
    """Run one of scripts/ against the stack under test (its env file, as
    scripts/test-stack.sh names it); fail with its output."""
    stack_env = {"ENV_FILE": os.environ["COMPOSE_ENV_FILES"]} if "COMPOSE_ENV_FILES" in os.environ else {}
    result = subprocess.run(
        [str(ROOT / "scripts" / name), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **stack_env, **(env or {})},
        check=False,
    )
    assert result.returncode == 0, f"{name} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result.stdout


def container_ids(service: str) -> list[str]:
    return compose("ps", "-q", service).split()


def inspect(container: str, template: str) -> str:
    return subprocess.run(
        ["docker", "inspect", "-f", template, container], capture_output=True, text=True, check=True
    ).stdout.strip()


def wait_healthy(service: str, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ids = container_ids(service)
        if ids and all(inspect(c, "{{.State.Health.Status}}") == "healthy" for c in ids):
            return
        time.sleep(1)
    raise AssertionError(f"{service} not healthy within {timeout} s")


# At the default limits (the abuse suite), every test account comes from one
# address, which may register 5 a minute: a 429 waits for its Retry-After.
RATE_LIMITED_PATIENCE = 120


def post_patiently(client: requests.Session, url: str, payload: dict) -> requests.Response:
    """POST; a 429 is tried again after its Retry-After, for at most RATE_LIMITED_PATIENCE s."""
    deadline = time.monotonic() + RATE_LIMITED_PATIENCE
    while True:
        # Register and login hash a password, slow by design (and slower on a busy machine).
        response = client.post(url, json=payload, timeout=30)
        left = deadline - time.monotonic()
        if response.status_code != 429 or left <= 0:
            return response
        time.sleep(min(float(response.headers.get("Retry-After", "1")), left))


def register_and_login(base_url: str, credentials: dict, headers: dict | None = None) -> requests.Session:
    """A new account's HTTP session, logged in through the JSON API; ``headers``
    go with every request it makes."""
    client = requests.Session()
    client.headers.update(headers or {})
    registered = post_patiently(client, f"{base_url}/api/v1/auth/register", credentials)
    assert registered.status_code == 201, registered.text
    logged_in = post_patiently(client, f"{base_url}/api/v1/auth/login", credentials)
    assert logged_in.status_code == 200, logged_in.text
    return client


def client_address() -> str:
    """A client address of its own (198.18.0.0/15, for benchmarks): the test
    stack's Nginx takes it from X-Forwarded-For (deploy/test/real-ip.conf),
    so attackers and bystanders on one machine are counted apart."""
    return f"198.{18 + secrets.randbelow(2)}.{secrets.randbelow(256)}.{1 + secrets.randbelow(254)}"


def new_room(base_url: str, client: requests.Session) -> str:
    """A room of the client's account, created from an address of its own: at
    the default limits one address may create 20 rooms an hour, fewer than the
    suites need (the room limit is tested on its own)."""
    response = client.post(
        f"{base_url}/api/v1/rooms",
        json={"name": f"Room {secrets.token_hex(4)}"},
        headers={"X-Forwarded-For": client_address()},
        timeout=5,
    )
    assert response.status_code == 201, response.text
    return response.json()["slug"]


def replica_get(container: str, path: str) -> dict:
    """GET a path on one replica directly (inside its container), as JSON."""
    url = f"http://127.0.0.1:8000{path}"
    script = f"import urllib.request; print(urllib.request.urlopen({url!r}, timeout=5).read().decode())"
    command = ["docker", "exec", container, "python", "-c", script]
    return json.loads(subprocess.run(command, capture_output=True, text=True, check=True, timeout=30).stdout)


def network_address(container: str, network_suffix: str) -> tuple[str, str]:
    """(network, address) of the container on its network named ``*<network_suffix>`` (``_front``)."""
    template = "{{range $name, $net := .NetworkSettings.Networks}}{{$name}}={{$net.IPAddress}} {{end}}"
    pairs = [tuple(pair.split("=")) for pair in inspect(container, template).split()]
    return next(pair for pair in pairs if pair[0].endswith(network_suffix))


def run_client(script: str, timeout: float = 120) -> str:
    """Run ``script`` (Python) in a throwaway container on the front network.

    Its address is its own, so what it spends of a per-address rate limit
    costs no other test anything. It runs web's image (Python and requests)
    and reaches Nginx as ``http://nginx:8080``. Returns what it printed.
    """
    web = container_ids("web")[0]
    front, _ = network_address(web, "_front")
    command = ["docker", "run", "--rm", "--network", front, "--read-only", "--entrypoint", "python"]
    result = subprocess.run(
        [*command, inspect(web, "{{.Config.Image}}"), "-c", script],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert result.returncode == 0, f"client failed:\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}"
    return result.stdout


def ready_answer(container: str) -> tuple[int, dict]:
    """What the container's own readiness URL (its healthcheck's) answers."""
    script = (
        "import json, os, urllib.request, urllib.error\n"
        "try:\n"
        "    r = urllib.request.urlopen(os.environ['HEALTHCHECK_URL'], timeout=10)\n"
        "except urllib.error.HTTPError as e:\n"
        "    r = e\n"
        "print(json.dumps([r.status, json.loads(r.read())]))\n"
    )
    command = ["docker", "exec", container, "python", "-c", script]
    out = subprocess.run(command, capture_output=True, text=True, timeout=30, check=True).stdout
    status, body = json.loads(out)
    return status, body


def root_database(**options) -> pymysql.Connection:
    """The stack's own database as root (published on loopback by
    scripts/test-stack.sh), to see what was stored."""
    return pymysql.connect(
        host=os.environ["TEST_DB_HOST"],
        port=int(os.environ["TEST_DB_PORT"]),
        user="root",
        password=os.environ["TEST_DB_ROOT_PASSWORD"],
        database=os.environ.get("DB_NAME", "roomservice"),
        ssl_disabled=True,
        **options,
    )


def close_code(sock: websocket.WebSocket, timeout: float = 20) -> int | None:
    """The close code the server sends on ``sock`` within ``timeout`` s (None: still open)."""
    deadline = time.monotonic() + timeout
    while (left := deadline - time.monotonic()) > 0:
        sock.settimeout(left)
        try:
            opcode, data = sock.recv_data(control_frame=True)
        except websocket.WebSocketTimeoutException:
            return None
        except websocket.WebSocketConnectionClosedException:
            return -1
        if opcode == websocket.ABNF.OPCODE_CLOSE:
            return int.from_bytes(data[:2], "big") if len(data) >= 2 else None
    return None
