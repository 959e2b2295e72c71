"""Prometheus metrics, correct across gunicorn workers.

prometheus_client's multiprocess mode: each worker writes its samples to
memory-mapped files in ``PROMETHEUS_MULTIPROC_DIR`` (on the /tmp tmpfs) and
``/metrics`` aggregates them, so a scrape sees the whole replica whichever
worker answers it. gunicorn's hooks in :mod:`servicekit.gunicorn_conf`
prepare the directory and mark dead workers.

Label values are bounded on purpose: ``route`` is the URL rule
(``/rooms/<slug>``), never the raw path, since paths carry user input;
``operation`` and ``limit`` are names from the code, never user input.
``/metrics`` is never reachable through Nginx.

Every metric here is updated where its event happens (docs/operations.md
says where), and a test marked ``pytest.mark.moves`` causes each event on
the real stack and watches the metric move.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field

from flask import Flask, Response, current_app, g, request, session
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from redis.exceptions import RedisError

REQUESTS = Counter(
    "roomservice_http_requests_total",
    "HTTP requests answered, by route and status.",
    ["service", "method", "route", "status"],
)
LATENCY = Histogram(
    "roomservice_http_request_duration_seconds",
    "Time to answer an HTTP request, by route.",
    ["service", "method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
REDIS_ERRORS = Counter(
    "roomservice_redis_errors_total",
    "Redis calls that failed and were handled, by operation (session, request, ready, "
    "rate_limit, publish, pubsub, presence, revocation, info).",
    ["service", "operation"],
)
RATE_LIMITED = Counter(
    "roomservice_rate_limited_total",
    "Requests answered 429 and WebSocket frames refused, by the limit that refused them.",
    ["service", "limit"],
)
DB_POOL_CONNECTIONS = Gauge(
    "roomservice_db_pool_connections",
    "db-api pool connections per state (max, in_use, idle), summed over live workers.",
    ["state"],
    multiprocess_mode="livesum",
)
WS_OPEN_SOCKETS = Gauge(
    "roomservice_ws_open_sockets",
    "Open WebSockets on this ws replica, summed over its live workers.",
    multiprocess_mode="livesum",
)
WS_FANNED_OUT = Counter(
    "roomservice_ws_frames_fanned_out_total",
    "Frames queued to sockets by fan-out (a room's messages from Redis pub/sub, presence), by type.",
    ["type"],
)

METRICS_PATH = "/metrics"


@dataclass
class ServiceMetrics:
    """What a service's ``/metrics`` adds to the shared metrics: its name and scrape-time collectors."""

    service: str
    collectors: list[Collector] = field(default_factory=list)


def service_name(app: Flask | None = None) -> str:
    """The ``service`` label of this app (``web``, ``ws``, ``db-api``)."""
    return (app or current_app).extensions["metrics"].service


def count_redis_error(operation: str, app: Flask | None = None) -> None:
    """A Redis call failed and the caller handled it (503, fail-open, retry)."""
    REDIS_ERRORS.labels(service_name(app), operation).inc()


def count_rate_limited(limit: str, app: Flask | None = None) -> None:
    """A request or frame was refused by ``limit`` (a limit's name, never user input)."""
    RATE_LIMITED.labels(service_name(app), limit).inc()


def add_collector(app: Flask, collector: Collector) -> None:
    """Collect ``collector`` at every scrape of this app's ``/metrics``."""
    app.extensions["metrics"].collectors.append(collector)


class RedisMemoryCollector:
    """Redis's memory use and limit, read with ``INFO memory`` when Prometheus scrapes.

    Read at scrape time rather than by a background loop, so a figure is
    never older than the scrape. One service registers it (db-api), so the
    figure is not exported three times. Redis unreachable yields
    ``roomservice_redis_up 0`` and no memory figures, never a failed scrape.
    """

    def __init__(self, redis_client, service: str):
        self.redis = redis_client
        self.service = service

    def describe(self):
        return self._families()

    def _families(self):
        return (
            GaugeMetricFamily("roomservice_redis_up", "1 when Redis answered INFO at this scrape, else 0."),
            GaugeMetricFamily(
                "roomservice_redis_memory_used_bytes", "Memory Redis has allocated (used_memory)."
            ),
            GaugeMetricFamily(
                "roomservice_redis_memory_max_bytes", "Redis's maxmemory; 0 means no limit is set."
            ),
        )

    def collect(self):
        up, used, limit = self._families()
        try:
            info = self.redis.info("memory")
        except RedisError:
            REDIS_ERRORS.labels(self.service, "info").inc()
            up.add_metric([], 0)
            return [up]
        up.add_metric([], 1)
        used.add_metric([], info["used_memory"])
        limit.add_metric([], info["maxmemory"])
        return [up, used, limit]


def _route() -> str:
    rule = request.url_rule
    return rule.rule if rule is not None else "unmatched"


def init_metrics(app: Flask, service: str) -> None:
    app.extensions["metrics"] = ServiceMetrics(service)

    def start_timer():
        g.metrics_started = time.perf_counter()

    def record(response):
        if request.path == METRICS_PATH:
            return response
        route = _route()
        started = getattr(g, "metrics_started", None)
        REQUESTS.labels(service, request.method, route, str(response.status_code)).inc()
        if started is not None:
            LATENCY.labels(service, request.method, route).observe(time.perf_counter() - started)
        # gunicorn's JSON access line reads these (servicekit.gunicorn_logging).
        request.environ["roomservice.route"] = route
        request.environ["roomservice.user_id"] = session.get("user_id")
        return response

    app.before_request(start_timer)
    app.after_request(record)
    app.add_url_rule(METRICS_PATH, "metrics", metrics_view)


def metrics_view() -> Response:
    registry = CollectorRegistry()
    if "PROMETHEUS_MULTIPROC_DIR" in os.environ:
        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(REGISTRY)
    for collector in current_app.extensions["metrics"].collectors:
        registry.register(collector)
    return Response(generate_latest(registry), mimetype=CONTENT_TYPE_LATEST)
