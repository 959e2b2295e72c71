"""MariaDB restarted under a request loop: 503 JSON during the outage, recovery by itself, nothing lost.

Restarts the test stack's ``${COMPOSE_PROJECT_NAME}-mysql-1`` container, so it
runs only through ``scripts/test-stack.sh`` (which sets that name).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
import time

import pytest

pytestmark = pytest.mark.slow

RECOVERY_DEADLINE = 120


@pytest.fixture
def mysql_container():
    project = os.environ.get("COMPOSE_PROJECT_NAME")
    if not project or shutil.which("docker") is None:
        pytest.fail("the restart test needs COMPOSE_PROJECT_NAME and the docker CLI (scripts/test-stack.sh)")
    return f"{project}-mysql-1"


def test_restart_mid_loop(make_app, h, mysql_container):
    app = make_app(DB_CONNECT_TIMEOUT=1, DB_READ_TIMEOUT=5, DB_WRITE_TIMEOUT=5)
    client = h.logged_in(app)
    room = h.new_room(client)
    url = f"/api/v1/rooms/{room['slug']}/messages"
    acknowledged, statuses = {}, []
    restart = {"done": False}

    def restart_mysql():
        subprocess.run(["docker", "restart", mysql_container], check=True, capture_output=True, timeout=90)
        restart["done"] = True

    restarter = threading.Thread(target=restart_mysql)
    started = time.monotonic()
    successes_after_restart = 0
    i = 0
    while successes_after_restart < 20:
        assert time.monotonic() - started < RECOVERY_DEADLINE, f"no recovery; statuses {statuses[-20:]}"
        if i == 20:
            restarter.start()
        response = client.post(url, json={"body": f"loop {i}", "client_id": f"loop-{i}"})
        statuses.append(response.status_code)
        if response.status_code in (200, 201):
            acknowledged[response.get_json()["id"]] = f"loop {i}"
            if restart["done"]:
                successes_after_restart += 1
        else:
            assert response.status_code == 503, response.get_data(as_text=True)
            assert response.get_json()["error"]["code"] == "unavailable"
            assert response.headers["Retry-After"] == "1"
            time.sleep(0.05)
        i += 1
    restarter.join()
    assert 503 in statuses, "the outage was not observed: the test proved nothing"

    stored, after = {}, 0
    while True:
        page = client.get(f"{url}?after={after}&limit=100").get_json()
        stored.update({m["id"]: m["body"] for m in page["items"]})
        if page["next_after"] is None:
            break
        after = page["next_after"]
    missing = {k: v for k, v in acknowledged.items() if stored.get(k) != v}
    assert not missing, f"acknowledged but not stored: {missing}"
    assert client.get("/api/ready").status_code == 200
