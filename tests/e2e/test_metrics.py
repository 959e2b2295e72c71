"""Each metric moves when its event happens on the real stack.

Every test causes the event (connections held in db-api's pool, a
maxmemory set on Redis, Redis refusing the rate limiter, connections to
Nginx) and reads the metric inside the network. Its ``moves`` mark names
what it proves; the dashboard and the alert rules may only query proven
metrics (tests/observability). The per-replica WebSocket metrics are in
tests/scale, Redis outages in tests/faults, rate-limit refusals in
tests/abuse (they need the default limits).
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from urllib.parse import quote

import pytest
import requests
import yaml
from e2e.scrape import exporter_metrics, per_replica, poll, total, value
from e2e.stack import container_ids, prometheus_api, root_database
from redis import Redis

ROOT = Path(__file__).resolve().parents[2]
POOL = "roomservice_db_pool_connections"
REDIS_ERRORS = "roomservice_redis_errors_total"


def redis_admin() -> Redis:
    return Redis.from_url(os.environ["TEST_REDIS_URL"], decode_responses=True)


def alert_expr(name: str) -> str:
    groups = yaml.safe_load((ROOT / "deploy/prometheus/rules/roomservice.yml").read_text())["groups"]
    return next(rule["expr"] for group in groups for rule in group["rules"] if rule.get("alert") == name)


@pytest.mark.moves(POOL)
def test_pool_gauge_follows_the_connections_requests_hold(base_url, logged_in):
    per_replica_max = int(os.environ.get("API_WORKERS", "2")) * int(os.environ.get("API_THREADS", "8"))
    expected_max = per_replica_max * len(container_ids("db-api"))
    assert total("db-api", POOL, state="max") == expected_max, "max is not summed over every worker"
    idle_in_use = total("db-api", POOL, state="in_use")
    holders = 3
    root = root_database(autocommit=True)
    statuses: list[int] = []

    def list_rooms():
        answer = requests.get(f"{base_url}/api/v1/rooms", cookies=logged_in.cookies, timeout=20)
        statuses.append(answer.status_code)

    try:
        with root.cursor() as cur:
            # Each GET /api/v1/rooms now waits on the lock, holding its pooled connection.
            cur.execute("LOCK TABLES rooms WRITE")
        threads = [threading.Thread(target=list_rooms) for _ in range(holders)]
        for thread in threads:
            thread.start()
        poll(
            lambda: total("db-api", POOL, state="in_use"),
            lambda in_use: in_use >= idle_in_use + holders,
            "pool in_use while requests hold connections",
            timeout=8,
        )
    finally:
        with root.cursor() as cur:
            cur.execute("UNLOCK TABLES")
        root.close()
    for thread in threads:
        thread.join(20)
    assert statuses == [200] * holders
    poll(
        lambda: total("db-api", POOL, state="in_use"),
        lambda in_use: in_use <= idle_in_use,
        "pool in_use after the requests returned",
    )
    assert total("db-api", POOL, state="idle") >= holders


@pytest.mark.moves("roomservice_redis_memory_used_bytes", "roomservice_redis_memory_max_bytes")
def test_redis_memory_gauges_follow_redis_and_the_alert_waits_for_a_maxmemory(base_url):
    # Every db-api replica reports the same Redis.
    redis = redis_admin()
    original = int(redis.config_get("maxmemory")["maxmemory"])
    used = redis.info("memory")["used_memory"]
    poll(
        lambda: list(per_replica("db-api", "roomservice_redis_memory_used_bytes").values()),
        lambda gauges: all(abs(gauge - used) < used * 0.2 for gauge in gauges),
        f"used memory next to INFO's {used}, on every replica",
    )
    assert set(per_replica("db-api", "roomservice_redis_memory_max_bytes").values()) == {original}
    near_limit = quote(alert_expr("RedisMemoryNearLimit"))
    if original == 0:
        assert prometheus_api(f"/api/v1/query?query={near_limit}")["data"]["result"] == []
    tight = int(used / 0.88)  # used is 88% of it: past the alert's 85%
    redis.config_set("maxmemory", tight)
    try:
        poll(
            lambda: set(per_replica("db-api", "roomservice_redis_memory_max_bytes").values()),
            lambda gauges: gauges == {tight},
            "max memory after CONFIG SET maxmemory",
        )
        poll(
            lambda: len(prometheus_api(f"/api/v1/query?query={near_limit}")["data"]["result"]),
            lambda results: results == 1,
            "RedisMemoryNearLimit's expression at 88% of maxmemory",
        )
    finally:
        redis.config_set("maxmemory", original)
    poll(
        lambda: set(per_replica("db-api", "roomservice_redis_memory_max_bytes").values()),
        lambda gauges: gauges == {original},
        "max memory after restoring maxmemory",
    )


@pytest.mark.moves(REDIS_ERRORS)
def test_the_rate_limiter_counts_the_redis_errors_it_swallows(base_url):
    # Redis refuses scripts to the services' users: sessions still work, the
    # rate limiter's Lua scripts fail, and it lets the login through.
    redis = redis_admin()
    me = redis.client_id()
    users = {client["user"] for client in redis.client_list() if int(client["id"]) != me}
    assert users, "no service is connected to Redis"
    rules = {line.split()[1]: line.split()[2:] for line in redis.acl_list()}
    before = total("db-api", REDIS_ERRORS, operation="rate_limit")
    for user in users:
        redis.execute_command("ACL", "SETUSER", user, "-@scripting")
    try:
        attempt = {"username": "nobody_here", "password": "wrong password"}
        answer = requests.post(f"{base_url}/api/v1/auth/login", json=attempt, timeout=10)
    finally:
        for user in users:
            redis.execute_command("ACL", "SETUSER", user, "reset", *rules[user])
    assert answer.status_code == 401, "the limiter did not fail open"
    poll(
        lambda: total("db-api", REDIS_ERRORS, operation="rate_limit"),
        lambda errors: errors > before,
        "db-api's swallowed rate-limit errors",
    )


@pytest.mark.moves("nginx_http_requests_total", "nginx_connections_active", "nginx_connections_waiting")
def test_the_nginx_exporter_follows_requests_and_connections(base_url):
    before = exporter_metrics()
    for _ in range(20):
        assert requests.get(f"{base_url}/static/app.css", timeout=5).status_code == 200
    poll(
        lambda: value(exporter_metrics(), "nginx_http_requests_total"),
        lambda served: served >= value(before, "nginx_http_requests_total") + 20,
        "Nginx's request count",
    )
    idle = [requests.Session() for _ in range(3)]
    for session in idle:
        session.get(f"{base_url}/static/app.css", timeout=5)  # then kept alive, idle
    try:
        poll(
            lambda: value(exporter_metrics(), "nginx_connections_waiting"),
            lambda waiting: waiting >= value(before, "nginx_connections_waiting") + 3,
            "Nginx's idle keep-alive connections",
        )
        assert value(exporter_metrics(), "nginx_connections_active") >= (
            value(before, "nginx_connections_active") + 3
        )
    finally:
        for session in idle:
            session.close()
    poll(
        lambda: value(exporter_metrics(), "nginx_connections_waiting"),
        lambda waiting: waiting <= value(before, "nginx_connections_waiting"),
        "Nginx's idle connections after the clients closed them",
    )
