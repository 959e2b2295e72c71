"""Operable: one request id through every service, metrics, Prometheus."""

import secrets
import time

import pytest
import requests
from e2e.scrape import poll, total
from e2e.stack import compose, exec_in, prometheus_api


def test_one_request_id_is_in_nginx_web_and_db_api_logs(base_url, logged_in):
    request_id = f"trace-{secrets.token_hex(8)}"
    page = logged_in.get(f"{base_url}/rooms", headers={"X-Request-ID": request_id}, timeout=5)
    assert page.status_code == 200
    assert page.headers["X-Request-ID"] == request_id
    deadline = time.monotonic() + 10
    missing = {"nginx", "web", "db-api"}
    while missing and time.monotonic() < deadline:
        for service in list(missing):
            if request_id in compose("logs", "--no-log-prefix", "--since", "2m", service):
                missing.discard(service)
        time.sleep(0.5)
    assert not missing, f"request id not logged by {missing}"


def test_logs_are_json_lines_with_the_fields_operators_need(base_url, logged_in):
    request_id = f"fields-{secrets.token_hex(8)}"
    logged_in.get(f"{base_url}/api/v1/me", headers={"X-Request-ID": request_id}, timeout=5)

    def access_lines() -> list[str]:
        logs = compose("logs", "--no-log-prefix", "db-api")
        return [line for line in logs.splitlines() if request_id in line]

    lines = poll(access_lines, bool, "db-api's access line for the request")
    line = lines[-1]
    wanted = ('"service": "db-api"', '"status": 200', '"route": "/api/v1/me"', '"duration_ms"', '"user_id"')
    for field in wanted:
        assert field in line, f"{field} missing from {line}"


@pytest.mark.moves("roomservice_http_requests_total", "roomservice_http_request_duration_seconds")
def test_metrics_aggregate_every_gunicorn_worker(base_url):
    # /health: no healthcheck asks web for it, so exactly these requests count.
    labels = {"service": "web", "route": "/health"}

    def counted() -> tuple[float, float]:
        return (
            total("web", "roomservice_http_requests_total", status="200", **labels),
            total("web", "roomservice_http_request_duration_seconds_count", **labels),
        )

    requests_before, observed_before = counted()
    for _ in range(30):
        assert requests.get(f"{base_url}/health", timeout=5).status_code == 200
    poll(
        counted,
        lambda now: now == (requests_before + 30, observed_before + 30),
        "web's /health requests and observations, whichever worker served or scraped them",
    )


def test_prometheus_accepts_its_config_and_rules():
    output = exec_in("prometheus", "promtool", "check", "config", "/etc/prometheus/prometheus.yml")
    assert "SUCCESS" in output
    assert "rules found" in output


def test_every_scraped_target_is_up():
    deadline = time.monotonic() + 60
    while True:
        targets = prometheus_api("/api/v1/targets")["data"]["activeTargets"]
        jobs = {target["labels"]["job"] for target in targets}
        down = [t["scrapeUrl"] for t in targets if t["health"] != "up"]
        if jobs >= {"web", "ws", "db-api", "nginx", "alertmanager", "prometheus"} and not down:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"jobs {jobs}, not up: {down}")
        time.sleep(2)
