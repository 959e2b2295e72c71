"""What an outage tells the operator, and that it kills nothing.

Redis and Nginx are stopped for real. Every place that handles a Redis
failure counts it; the services turn unready (Docker health, ``/ready``)
and are never restarted; a WebSocket opened before the outage is told to
reconnect (1013: its replica lost the subscription that feeds it, so it
would miss messages), and a new one works once Redis is back; the RedisDown
alert goes through Alertmanager to the receiver (alert-log) and resolves
when Redis is back. The stack's Prometheus and
Alertmanager run the production rules and routes with short timings
(deploy/test/fast_alerting.py).

The first three tests share one Redis outage, in file order: the fixture
stops Redis, the third test starts it again (so does the fixture's
teardown, when an earlier test failed).
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import time
from collections import Counter
from datetime import datetime, timezone

import pytest
import requests
import websocket
from e2e.scrape import exporter_metrics, poll, replica_metrics, total, value
from e2e.stack import close_code, compose, container_ids, inspect, prometheus_api, ready_answer, wait_healthy
from prometheus_client.parser import text_string_to_metric_families

APPS = ("web", "ws", "db-api")
REDIS_ERRORS = "roomservice_redis_errors_total"
# Where each service handles a Redis failure, as the operation label says.
HANDLED = {
    "web": {"session", "ready"},
    "db-api": {"session", "ready", "info", "publish"},
    "ws": {"session", "ready", "pubsub", "presence", "revocation", "sockets"},
}


def errors_by_operation(service: str) -> Counter:
    counts: Counter = Counter()
    for container in container_ids(service):
        for family in text_string_to_metric_families(replica_metrics(container)):
            for sample in family.samples:
                if sample.name == REDIS_ERRORS:
                    counts[sample.labels["operation"]] += sample.value
    return counts


def lifetimes() -> dict[str, str]:
    """Each app container's restart count and start time: equal before and after means never restarted."""
    containers = [cid for app in APPS for cid in container_ids(app)]
    return {cid: inspect(cid, "{{.RestartCount}} {{.State.StartedAt}}") for cid in containers}


@contextlib.contextmanager
def stopped(service: str):
    """``service``'s containers stopped, then started again as they were.

    Plain ``docker stop``/``start`` of the same containers: ``docker compose
    start`` would also start and wait for the whole dependency chain.
    """
    containers = container_ids(service)
    docker = {"check": True, "capture_output": True, "timeout": 60}
    subprocess.run(["docker", "stop", "--time", "1", *containers], **docker)
    try:
        yield
    finally:
        subprocess.run(["docker", "start", *containers], **docker)


def post_internally(container: str, slug: str, user_id: int, body: str) -> int:
    """Post a message the way ws does (the internal route, the service token),
    from inside a db-api container: the status db-api answers."""
    script = (
        "import json, os, urllib.request\n"
        f"request = urllib.request.Request('http://127.0.0.1:8000/api/internal/rooms/{slug}/messages',\n"
        f"    data=json.dumps({{'user_id': {user_id}, 'body': {body!r}}}).encode(),\n"
        "    headers={'Content-Type': 'application/json',\n"
        "             'Authorization': 'Bearer ' + os.environ['SERVICE_TOKEN']})\n"
        "print(urllib.request.urlopen(request, timeout=10).status)\n"
    )
    command = ["docker", "exec", container, "python", "-c", script]
    return int(subprocess.run(command, capture_output=True, text=True, check=True, timeout=30).stdout)


def pong(sock: websocket.WebSocket) -> bool:
    sock.send('{"type": "ping"}')
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if json.loads(sock.recv())["type"] == "pong":
            return True
    return False


class RedisOutage:
    def __init__(self, base_url: str, cookie: str, room: str):
        self.url = base_url.replace("http", "ws", 1) + f"/ws/rooms/{room}"
        self.socket = websocket.create_connection(self.url, cookie=f"session={cookie}", timeout=10)
        assert pong(self.socket)
        self.lifetimes = lifetimes()
        self.errors = {service: errors_by_operation(service) for service in APPS}
        self.outage = contextlib.ExitStack()
        self.outage.enter_context(stopped("redis"))
        self.down = True

    def end(self) -> None:
        if self.down:
            self.outage.close()
            self.down = False
            wait_healthy("redis")


@pytest.fixture(scope="module")
def redis_outage(base_url, user, room):
    user_id = user.get(f"{base_url}/api/v1/me", timeout=10).json()["id"]
    outage = RedisOutage(base_url, user.cookies["session"], room)
    outage.user_id = user_id
    yield outage
    outage.end()
    outage.socket.close()
    for service in APPS:
        wait_healthy(service)


@pytest.mark.moves(REDIS_ERRORS, "roomservice_redis_up")
def test_redis_errors_rise_where_each_failure_is_handled(redis_outage, base_url, user, room):
    assert user.get(f"{base_url}/rooms", timeout=10).status_code in (502, 503)
    assert user.get(f"{base_url}/api/v1/me", timeout=10).status_code in (502, 503)
    with pytest.raises(websocket.WebSocketBadStatusException):
        url = base_url.replace("http", "ws", 1) + f"/ws/rooms/{room}"
        websocket.create_connection(url, cookie=f"session={user.cookies['session']}", timeout=10)
    # As ws posts a frame: db-api stores the message, its live push fails.
    stored = post_internally(container_ids("db-api")[0], room, redis_outage.user_id, "during the outage")
    assert stored == 201

    def not_risen() -> dict[str, set[str]]:
        missing = {}
        for service, operations in HANDLED.items():
            now = errors_by_operation(service)
            missing[service] = {op for op in operations if now[op] <= redis_outage.errors[service][op]}
        return {service: ops for service, ops in missing.items() if ops}

    poll(not_risen, lambda missing: not missing, "operations whose Redis errors did not rise", timeout=45)
    assert total("db-api", "roomservice_redis_up") == 0


def test_a_redis_outage_makes_services_unready_and_restarts_none(redis_outage):
    def not_unhealthy() -> list[str]:
        containers = [cid for app in APPS for cid in container_ids(app)]
        return [cid for cid in containers if inspect(cid, "{{.State.Health.Status}}") != "unhealthy"]

    poll(not_unhealthy, lambda left: not left, "app containers Docker does not call unhealthy", timeout=60)
    for app in APPS:
        for container in container_ids(app):
            status, body = ready_answer(container)
            assert status == 503, f"{app} {container[:12]} answered {status}"
            assert body["checks"]["redis"].startswith("error"), body
    assert lifetimes() == redis_outage.lifetimes, "a container was restarted"
    code = close_code(redis_outage.socket)
    assert code == 1013, f"the socket opened before the outage was not told to reconnect (close code {code})"


def test_services_recover_when_redis_returns(redis_outage, base_url, user):
    redis_outage.end()
    poll(
        lambda: user.get(f"{base_url}/rooms", timeout=10).status_code,
        lambda status: status == 200,
        "the rooms page through Nginx",
    )
    assert total("db-api", "roomservice_redis_up") == len(container_ids("db-api"))
    # A client told 1013 reconnects: the replica is subscribed again.
    sock = poll(
        lambda: reconnect(redis_outage.url, user.cookies["session"]),
        lambda opened: opened is not None,
        "a WebSocket after Redis came back",
    )
    try:
        assert pong(sock), "a socket opened after Redis came back does not answer"
    finally:
        sock.close()
    assert lifetimes() == redis_outage.lifetimes, "a container was restarted"


def reconnect(url: str, cookie: str) -> websocket.WebSocket | None:
    try:
        return websocket.create_connection(url, cookie=f"session={cookie}", timeout=10)
    except (websocket.WebSocketException, OSError):
        return None


def alerts_received(since: str, name: str) -> list[str]:
    """The statuses alert-log logged for alert ``name`` since ``since``, in order."""
    statuses = []
    for line in compose("logs", "--no-log-prefix", "--since", since, "alert-log").splitlines():
        if line.startswith("{"):
            entry = json.loads(line)
            if entry.get("event") == "alert" and entry.get("alertname") == name:
                statuses.append(entry["status"])
    return statuses


def test_the_redis_alert_reaches_the_receiver_and_resolves():
    since = datetime.now(timezone.utc).isoformat()
    with stopped("redis"):
        poll(
            lambda: alerts_received(since, "RedisDown"),
            lambda statuses: "firing" in statuses,
            "RedisDown at alert-log",
            timeout=90,
        )
    poll(
        lambda: alerts_received(since, "RedisDown"),
        lambda statuses: statuses[-1] == "resolved",
        "RedisDown resolved at alert-log",
        timeout=90,
    )
    for service in ("redis", *APPS):
        wait_healthy(service)


@pytest.mark.moves("nginx_up", "up")
def test_nginx_up_and_the_exporters_up_follow_what_runs(base_url):
    def exporter_up() -> float:
        result = prometheus_api('/api/v1/query?query=up{job="nginx"}')["data"]["result"]
        return float(result[0]["value"][1]) if result else -1

    with stopped("nginx"):
        poll(lambda: value(exporter_metrics(), "nginx_up"), lambda up: up == 0, "nginx_up with Nginx stopped")
    wait_healthy("nginx")
    poll(lambda: value(exporter_metrics(), "nginx_up"), lambda up: up == 1, "nginx_up with Nginx back")
    with stopped("nginx-exporter"):
        poll(exporter_up, lambda up: up == 0, 'up{job="nginx"} with the exporter stopped')
    poll(exporter_up, lambda up: up == 1, 'up{job="nginx"} with the exporter back')
    assert requests.get(f"{base_url}/static/app.css", timeout=10).status_code == 200
