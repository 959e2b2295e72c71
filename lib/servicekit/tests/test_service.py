"""The shared parts every service gets from ``init_service``, with Redis down."""

import time


def test_health_touches_no_dependency(app, stored_session_id):
    client = app.test_client()
    client.set_cookie("session", stored_session_id)
    response = client.get("/demo/health")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "service": "demo"}
    assert "Set-Cookie" not in response.headers


def test_ready_names_the_failing_dependency(app):
    response = app.test_client().get("/demo/ready")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "unavailable"
    assert body["service"] == "demo"
    assert body["checks"]["redis"].startswith("error")


def test_session_store_down_is_a_fast_503(app, stored_session_id):
    client = app.test_client()
    client.set_cookie("session", stored_session_id)
    started = time.perf_counter()
    response = client.get("/whoami")
    elapsed = time.perf_counter() - started
    assert response.status_code == 503
    assert response.get_json()["error"]["code"] == "unavailable"
    # redis-py's default retries take 3 s or more against a dead Redis; ours give up at once.
    assert elapsed < 2.0


def test_anonymous_request_needs_no_session_store(app):
    response = app.test_client().get("/whoami")
    assert response.status_code == 200
    assert response.get_json() == {"user": None}


def test_unexpected_error_is_500_without_details(app):
    response = app.test_client().get("/boom")
    assert response.status_code == 500
    assert "secret detail" not in response.get_data(as_text=True)
    assert response.get_json()["error"]["code"] == "internal_error"


def test_request_id_is_echoed(app):
    response = app.test_client().get("/demo/health", headers={"X-Request-ID": "abc123"})
    assert response.headers["X-Request-ID"] == "abc123"


def test_unknown_route_uses_the_service_error_shape(app):
    response = app.test_client().get("/nope")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"
