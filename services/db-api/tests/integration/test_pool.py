"""The pool: readiness figures, a bounded wait when exhausted, MariaDB unreachable is 503."""

from __future__ import annotations

import threading
import time


def test_ready_reports_checks_and_pool(app):
    response = app.test_client().get("/api/ready")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok"
    assert body["checks"] == {"redis": "ok", "mysql": "ok"}
    assert body["pool"]["max"] == app.config["DB_POOL_MAX"]
    assert {"in_use", "idle"} <= body["pool"].keys()


def test_exhausted_pool_waits_its_timeout_then_answers_503(make_app, base_config):
    app = make_app(DB_POOL_MAX=1, DB_POOL_TIMEOUT=0.3)
    holding = threading.Event()

    def hold_the_only_connection():
        with app.app_context():
            con = app.extensions["db"].checkout()
            try:
                with con.cursor() as cur:
                    holding.set()
                    cur.execute("SELECT SLEEP(2)")
            finally:
                app.extensions["db"].checkin(con)

    worker = threading.Thread(target=hold_the_only_connection)
    worker.start()
    assert holding.wait(5)
    time.sleep(0.1)
    client = app.test_client()
    started = time.monotonic()
    response = client.get(
        "/api/internal/rooms", headers={"Authorization": f"Bearer {base_config['SERVICE_TOKEN']}"}
    )
    waited = time.monotonic() - started
    assert response.status_code == 503
    assert response.get_json()["error"]["code"] == "unavailable"
    assert response.headers["Retry-After"] == "1"
    # It waited for a connection (DB_POOL_TIMEOUT) and gave up before the holder's 2 s were over.
    assert 0.25 < waited < 1.9
    ready = client.get("/api/ready")
    assert ready.status_code == 503
    assert ready.get_json()["checks"]["mysql"] == "error: pool exhausted"
    assert ready.get_json()["pool"] == {"max": 1, "in_use": 1, "idle": 0}
    worker.join()
    assert client.get("/api/ready").get_json()["pool"] == {"max": 1, "in_use": 0, "idle": 1}
    assert (
        client.get(
            "/api/internal/rooms", headers={"Authorization": f"Bearer {base_config['SERVICE_TOKEN']}"}
        ).status_code
        == 200
    )


def test_unreachable_database_is_503_json(make_app, base_config):
    app = make_app(DB_PORT=1, DB_CONNECT_TIMEOUT=1)
    client = app.test_client()
    response = client.get(
        "/api/internal/rooms", headers={"Authorization": f"Bearer {base_config['SERVICE_TOKEN']}"}
    )
    assert response.status_code == 503
    assert response.get_json()["error"]["code"] == "unavailable"
    assert response.headers["Retry-After"] == "1"
    ready = client.get("/api/ready")
    assert ready.status_code == 503
    assert ready.get_json()["status"] == "unavailable"
    assert ready.get_json()["checks"]["mysql"].startswith("error: ")
    assert ready.get_json()["pool"]["in_use"] == 0, "a failed connect gives its slot back"
