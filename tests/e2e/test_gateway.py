"""Nginx routes as docs/api.md describes and answers JSON under /api/ and /ws/."""

import pytest
import requests

HEALTH = [("/health", "web"), ("/api/health", "db-api"), ("/ws/health", "ws")]
READY = [("/ready", "web"), ("/api/ready", "db-api"), ("/ws/ready", "ws")]


@pytest.mark.parametrize(("path", "service"), HEALTH)
def test_health(base_url, path, service):
    response = requests.get(base_url + path, timeout=5)
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "service": service}


@pytest.mark.parametrize(("path", "service"), READY)
def test_ready(base_url, path, service):
    response = requests.get(base_url + path, timeout=5)
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["service"] == service
    assert body["checks"]["redis"] == "ok"


@pytest.mark.parametrize("path", ["/metrics", "/api/metrics", "/ws/metrics"])
def test_metrics_never_exposed(base_url, path):
    assert requests.get(base_url + path, timeout=5).status_code == 404


def test_internal_api_is_hidden(base_url):
    response = requests.get(f"{base_url}/api/internal/rooms", timeout=5)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_request_id_is_generated_and_passed_through(base_url):
    generated = requests.get(f"{base_url}/health", timeout=5).headers["X-Request-ID"]
    assert len(generated) == 32
    given = requests.get(f"{base_url}/api/health", headers={"X-Request-ID": "trace-me-123"}, timeout=5)
    assert given.headers["X-Request-ID"] == "trace-me-123"


def test_no_server_version(base_url):
    server = requests.get(f"{base_url}/health", timeout=5).headers.get("Server", "")
    assert "/" not in server


def test_oversized_api_body_is_json_413(base_url):
    response = requests.post(
        f"{base_url}/api/v1/rooms",
        data=b"x" * (11 * 1024 * 1024),
        headers={"Content-Type": "application/json"},
        timeout=30,
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"


def test_static_served_by_nginx_with_cache_headers(base_url):
    response = requests.get(f"{base_url}/static/app.css", timeout=5)
    assert response.status_code == 200
    assert "max-age" in response.headers["Cache-Control"]
    assert "X-Upstream" not in response.headers
