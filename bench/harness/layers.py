"""'Where the time goes': CPU per request by layer, from the per-container CPU of the runs."""

from __future__ import annotations

import statistics

from harness.cpu import CLIENT_KEY, DOCKERD_KEY, OUTSIDE, SERVICES

BASELINE_SERVICES = ("bench-web-base", "bench-dbapi-base", "bench-ws-base")
COLUMNS = (*SERVICES, *BASELINE_SERVICES, CLIENT_KEY, DOCKERD_KEY, OUTSIDE)


def cpu_medians(r: dict) -> dict[str, dict[str, float]]:
    """Per peer: the median over its rounds of each container's CPU µs per request."""
    medians = {}
    for peer, runs in r["runs"].items():
        keys = {k for x in runs for k in x.get("cpu_us", {})}
        medians[peer] = {k: statistics.median(x.get("cpu_us", {}).get(k, 0) for x in runs) for k in keys}
    return medians


def _cpu(med: dict, peer: str, *containers: str) -> float | None:
    if peer not in med:
        return None
    return sum(med[peer].get(c, 0) for c in containers)


def _minus(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else a - b


def show(value: float | None) -> str:
    return "n/a" if value is None else f"{value:,.0f} µs"


def layer_rows(r: dict) -> list[tuple[str, str, float | None]]:
    """(layer, how it is measured, CPU µs per request)."""
    med = cpu_medians(r)
    c = lambda peer, *names: _cpu(med, peer, *names)  # noqa: E731
    logs = DOCKERD_KEY
    return [
        ("Nginx, per proxied request", "nginx's CPU, `/health` through Nginx", c("health_nginx", "nginx")),
        (
            "gunicorn gevent + Flask floor",
            "bench-hello's CPU per bare hello, direct",
            c("hello_direct", "bench-hello"),
        ),
        (
            "web `/health` (servicekit hooks, JSON access log)",
            "web's CPU, `/health` direct",
            c("health_direct", "web"),
        ),
        (
            "Docker log handling per proxied request",
            "dockerd + containerd, `/health` through Nginx",
            c("health_nginx", logs),
        ),
        (
            "session read (Redis GET) + logged-in page",
            "web + Redis, `/` with cookie - without",
            _minus(c("home_session", "web", "redis"), c("home_anon", "web", "redis")),
        ),
        ("room page: web (db-api call, template, forms)", "web's CPU per room page", c("room_nginx", "web")),
        (
            "room page: db-api for its internal call(s)",
            "db-api's CPU per room page",
            c("room_nginx", "db-api"),
        ),
        ("room page: MariaDB + Redis", "mysql + redis per room page", c("room_nginx", "mysql", "redis")),
        ("room page: logs", "dockerd + containerd per room page", c("room_nginx", logs)),
        (
            "db-api `GET messages` (session, pool, query, JSON)",
            "db-api's CPU, direct, pooled",
            c("api_pool", "db-api"),
        ),
        ("MariaDB per `GET messages`", "mysql's CPU, pooled", c("api_pool", "mysql")),
        (
            "a new connection per request, TLS off",
            "(app + mysql) new connection - pooled",
            _minus(c("api_newconn", "bench-dbapi-newconn", "mysql"), c("api_pool", "db-api", "mysql")),
        ),
        (
            "TLS on that new connection",
            "(app + mysql) TLS on - TLS off",
            _minus(
                c("api_newconn_tls", "bench-dbapi-newconn-tls", "mysql"),
                c("api_newconn", "bench-dbapi-newconn", "mysql"),
            ),
        ),
        ("ws per ping round trip", "ws's CPU", c("ws_ping", "ws")),
        ("bare gevent-websocket per round trip", "bench-echo's CPU", c("echo_ping", "bench-echo")),
        ("Nginx per WebSocket round trip", "nginx's CPU, ws ping", c("ws_ping", "nginx")),
    ]


def before_after_rows(r: dict) -> list[tuple[str, float | None, float | None]]:
    """(layer, before µs, after µs) from the baseline group, when BENCH_BASELINE was set."""
    med = cpu_medians(r)
    if "room_before" not in med:
        return []
    c = lambda peer, *names: _cpu(med, peer, *names)  # noqa: E731
    return [
        ("room page: web", c("room_before", "bench-web-base"), c("room_after", "web")),
        ("room page: db-api", c("room_before", "bench-dbapi-base"), c("room_after", "db-api")),
        ("room page: MariaDB + Redis", c("room_before", "mysql", "redis"), c("room_after", "mysql", "redis")),
        ("room page: logs (dockerd)", c("room_before", DOCKERD_KEY), c("room_after", DOCKERD_KEY)),
        (
            "room page: the whole stack",
            c("room_before", "bench-web-base", "bench-dbapi-base", "mysql", "redis", DOCKERD_KEY),
            c("room_after", "web", "db-api", "mysql", "redis", DOCKERD_KEY),
        ),
        ("`GET messages`: db-api", c("api_before", "bench-dbapi-base"), c("api_after", "db-api")),
        (
            "`GET messages`: MariaDB + Redis",
            c("api_before", "mysql", "redis"),
            c("api_after", "mysql", "redis"),
        ),
    ]
