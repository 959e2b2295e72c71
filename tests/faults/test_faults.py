"""What the stack survives: crashes, database and Redis restarts, db-api down.

Real faults (SIGKILL from the host, restarts, a stopped service) under a
bounded load through Nginx; afterwards what clients were told is compared
with what is stored. They reshape the stack, so they run after the
end-to-end suite.

The fault table in docs/security.md comes from these tests.
"""

import json
import os
import secrets
import subprocess
import time

import pytest
import requests
import websocket
from e2e.load import Load, assert_nothing_lost, record
from e2e.stack import compose, container_ids, inspect, run_script, wait_healthy

NOT_SERVER_BUGS = {200, 201, 502, 503, 504}


def failures(answers) -> list:
    return [answer for answer in answers if answer != 200]


def wait_ready(base_url: str, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if all(
                requests.get(base_url + p, timeout=3).status_code == 200
                for p in ("/ready", "/api/ready", "/ws/ready")
            ):
                return
        except requests.RequestException:
            pass
        time.sleep(1)
    raise AssertionError("the stack did not become ready again")


@pytest.fixture(scope="module")
def two_replicas(base_url):
    run_script("scale.sh", env={"WEB": "2", "WS": "2", "API": "2"})
    return base_url


@pytest.mark.parametrize("service", ["web", "db-api", "ws"])
def test_a_crashed_replica_costs_only_its_in_flight_work(two_replicas, user, room, service):
    victim = container_ids(service)[0]
    restarts = int(inspect(victim, "{{.RestartCount}}"))
    with Load(two_replicas, user, room) as load:
        time.sleep(2)
        pid = inspect(victim, "{{.State.Pid}}")
        subprocess.run(["kill", "-KILL", pid], check=True)
        time.sleep(3)
        wait_healthy(service)
        time.sleep(3)
    assert int(inspect(victim, "{{.RestartCount}}")) == restarts + 1, (
        "the replica did not come back by itself"
    )
    failed = failures(load.gets)
    assert len(failed) <= 3, f"{len(failed)} GETs failed beyond the in-flight ones: {failed[:10]}"
    assert set(load.post_answers) <= NOT_SERVER_BUGS | {"ConnectionError", "ReadTimeout"}
    assert_nothing_lost(load, two_replicas, user, room)
    record(f"SIGKILL of one of 2 {service} replicas", load)


def restart_under_load(base_url, user, room, service: str) -> Load:
    """Restart a dependency while the load runs; no answer may be a 500."""
    with Load(base_url, user, room) as load:
        time.sleep(1)
        compose("restart", service, timeout=120)
        wait_healthy(service)
        wait_ready(base_url)
        time.sleep(2)
    assert set(load.gets) <= NOT_SERVER_BUGS, f"unexpected answers: {set(load.gets)}"
    return load


def test_mariadb_restart_is_503_then_heals_and_loses_nothing(two_replicas, user, room):
    load = restart_under_load(two_replicas, user, room, "mysql")
    assert 503 in load.post_answers or 503 in load.gets, "the outage was never seen"
    assert_nothing_lost(load, two_replicas, user, room)
    assert user.get(f"{two_replicas}/api/v1/rooms/{room}", timeout=5).status_code == 200
    record("MariaDB restarted", load)


def test_redis_restart_keeps_sessions_and_fan_out_resumes(two_replicas, user, room):
    load = restart_under_load(two_replicas, user, room, "redis")
    assert user.get(f"{two_replicas}/api/v1/me", timeout=5).status_code == 200, "the session did not survive"
    assert_nothing_lost(load, two_replicas, user, room)
    record("Redis restarted", load)

    sock = websocket.create_connection(
        two_replicas.replace("http", "ws", 1) + f"/ws/rooms/{room}",
        cookie=f"session={user.cookies.get('session')}",
        timeout=5,
    )
    try:
        client_id = secrets.token_hex(6)
        posted = user.post(
            f"{two_replicas}/api/v1/rooms/{room}/messages",
            json={"body": "after redis", "client_id": client_id},
        )
        assert posted.status_code == 201
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            frame = json.loads(sock.recv())
            if frame.get("type") == "message" and frame.get("client_id") == client_id:
                break
        else:
            raise AssertionError("fan-out did not resume after the Redis restart")
    finally:
        sock.close()


def test_db_api_down_is_a_503_page_and_error_frames_then_recovers(two_replicas, user, room):
    sock = websocket.create_connection(
        two_replicas.replace("http", "ws", 1) + f"/ws/rooms/{room}",
        cookie=f"session={user.cookies.get('session')}",
        timeout=10,
    )
    compose("stop", "db-api", timeout=120)
    try:
        page = user.get(f"{two_replicas}/rooms", timeout=10)
        assert page.status_code == 503
        assert "text/html" in page.headers["Content-Type"]
        assert "Traceback" not in page.text
        api = user.get(f"{two_replicas}/api/v1/me", timeout=10)
        assert api.status_code in (502, 503, 504)
        assert api.json()["error"]["code"] in ("unavailable", "timeout")
        sock.send(
            json.dumps({"type": "message", "body": "while db-api is down", "client_id": secrets.token_hex(6)})
        )
        frame = json.loads(sock.recv())
        while frame.get("type") == "presence":
            frame = json.loads(sock.recv())
        assert frame["type"] == "error", frame
        sock.send('{"type": "ping"}')
        while json.loads(sock.recv()).get("type") != "pong":
            pass
    finally:
        compose("start", "db-api", timeout=120)
        sock.close()
    wait_healthy("db-api")
    wait_ready(two_replicas)
    assert user.get(f"{two_replicas}/rooms", timeout=10).status_code == 200
    assert user.get(f"{two_replicas}/api/v1/me", timeout=10).status_code == 200


def test_a_stalled_db_api_holds_a_page_or_a_frame_at_most_its_budget(two_replicas, user, room):
    """Every db-api replica frozen (accepting, never answering): a page and a
    WebSocket frame each wait at most DB_API_TIMEOUT (2 s) in all, then 503 / an error frame."""
    budget = float(os.environ.get("DB_API_TIMEOUT", "2"))
    sock = websocket.create_connection(
        two_replicas.replace("http", "ws", 1) + f"/ws/rooms/{room}",
        cookie=f"session={user.cookies.get('session')}",
        timeout=15,
    )
    replicas = container_ids("db-api")
    subprocess.run(["docker", "pause", *replicas], check=True)
    try:
        started = time.monotonic()
        page = user.get(f"{two_replicas}/rooms/{room}", timeout=15)
        page_wait = time.monotonic() - started
        assert page.status_code == 503
        started = time.monotonic()
        sock.send(json.dumps({"type": "message", "body": "stalled", "client_id": secrets.token_hex(6)}))
        frame = json.loads(sock.recv())
        while frame.get("type") == "presence":
            frame = json.loads(sock.recv())
        frame_wait = time.monotonic() - started
        assert frame["type"] == "error" and frame["code"] == "unavailable", frame
    finally:
        subprocess.run(["docker", "unpause", *replicas], check=True)
        sock.close()
    # The budget plus the time this shared machine takes to run the request at all.
    assert page_wait < budget + 1.5, f"the page waited {page_wait:.1f} s for a stalled db-api"
    assert frame_wait < budget + 1.5, f"the frame waited {frame_wait:.1f} s for a stalled db-api"
    wait_ready(two_replicas)
