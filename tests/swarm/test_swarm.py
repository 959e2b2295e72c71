"""The stack on Docker Swarm (run by scripts/test-swarm.sh): the
smoke checks through Nginx, and a rolling update of web with zero failed GETs."""

import os
import secrets
import subprocess
import threading
import time

import pytest
import requests
import websocket

BASE = os.environ.get("SWARM_BASE_URL", "")
STACK = os.environ.get("STACK_NAME", "rs-swarm-test")


@pytest.fixture(scope="module")
def base() -> str:
    if not BASE:
        pytest.fail("SWARM_BASE_URL is not set: run through scripts/test-swarm.sh")
    return BASE


@pytest.fixture(scope="module")
def client(base) -> requests.Session:
    session = requests.Session()
    credentials = {"username": f"swarm_{secrets.token_hex(4)}", "password": "correct horse battery"}
    assert session.post(f"{base}/api/v1/auth/register", json=credentials, timeout=5).status_code == 201
    assert session.post(f"{base}/api/v1/auth/login", json=credentials, timeout=5).status_code == 200
    return session


@pytest.mark.parametrize(
    ("path", "service"), [("/health", "web"), ("/api/health", "db-api"), ("/ws/health", "ws")]
)
def test_health_through_nginx(base, path, service):
    assert requests.get(base + path, timeout=5).json() == {"status": "ok", "service": service}


def test_shared_login_and_websocket(base, client):
    assert client.get(f"{base}/api/v1/me", timeout=5).status_code == 200
    assert client.get(f"{base}/rooms", allow_redirects=False, timeout=5).status_code == 200
    room = client.post(f"{base}/api/v1/rooms", json={"name": f"Swarm {secrets.token_hex(3)}"}, timeout=5)
    assert room.status_code == 201
    sock = websocket.create_connection(
        base.replace("http", "ws", 1) + f"/ws/rooms/{room.json()['slug']}",
        cookie=f"session={client.cookies.get('session')}",
        timeout=5,
    )
    sock.send('{"type": "ping"}')
    assert '"pong"' in sock.recv()
    sock.close()


def test_rolling_update_of_web_loses_no_get(base, client):
    failures, done = [], threading.Event()

    def loop():
        deadline = time.monotonic() + 240
        while not done.is_set() and time.monotonic() < deadline:
            try:
                response = client.get(f"{base}/rooms", allow_redirects=False, timeout=10)
                if response.status_code != 200:
                    failures.append(response.status_code)
            except requests.RequestException as exc:
                failures.append(repr(exc))
            time.sleep(0.02)

    threads = [threading.Thread(target=loop) for _ in range(3)]
    for thread in threads:
        thread.start()
    try:
        subprocess.run(
            ["docker", "service", "update", "--force", "--detach=false", "--quiet", f"{STACK}_web"],
            check=True,
            timeout=240,
            capture_output=True,
        )
        time.sleep(2)
    finally:
        done.set()
        for thread in threads:
            thread.join(15)
    assert not failures, f"{len(failures)} failed GETs during the rolling update: {failures[:10]}"
