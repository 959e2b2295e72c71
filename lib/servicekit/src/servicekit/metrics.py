"""Prometheus metrics, correct across gunicorn workers.

prometheus_client's multiprocess mode: each worker writes its samples to
memory-mapped files in ``PROMETHEUS_MULTIPROC_DIR`` (on the /tmp tmpfs) and
``/metrics`` aggregates them, so a scrape sees the whole replica whichever
worker answers it. gunicorn's hooks in :mod:`servicekit.gunicorn_conf`
prepare the directory and mark dead workers.

Label values are bounded on purpose: ``route`` is the URL rule
(``/rooms/<slug>``), never the raw path, since paths carry user input.
``/metrics`` is never reachable through Nginx.
"""

from __future__ import annotations

import os
import time

from flask import Flask, Response, g, request, session
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)

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
    "Redis calls that failed (session store, pub/sub, presence).",
    ["service", "operation"],
)
RATE_LIMITED = Counter(
    "roomservice_rate_limited_total",
    "Requests or frames refused by a rate limit.",
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
    "Open WebSockets on this ws replica.",
    multiprocess_mode="livesum",
)
WS_FANNED_OUT = Counter(
    "roomservice_ws_frames_fanned_out_total",
    "Frames written to sockets after a Redis pub/sub message, by type.",
    ["type"],
)

METRICS_PATH = "/metrics"


def _route() -> str:
    rule = request.url_rule
    return rule.rule if rule is not None else "unmatched"


def init_metrics(app: Flask, service: str) -> None:
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
    if "PROMETHEUS_MULTIPROC_DIR" in os.environ:
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        payload = generate_latest(registry)
    else:
        payload = generate_latest()
    return Response(payload, mimetype=CONTENT_TYPE_LATEST)
