"""A replica that loses a dependency is unready: Nginx routes around it, nothing restarts it.

One web replica is cut off from the back network (Redis and db-api), so it
answers 503 while the other is fine; Nginx must retry on the other and then
leave the cut-off one alone (``proxy_next_upstream``, ``max_fails``).
"""

from __future__ import annotations

import json
import secrets
import subprocess

from e2e.scrape import poll
from e2e.stack import compose, container_ids, inspect, network_address, ready_answer


def upstreams_of(request_ids: set[str]) -> list[str]:
    """Nginx's ``upstream`` field (every replica tried, in order) of each of these requests."""
    tried = []
    for line in compose("logs", "--no-log-prefix", "--since", "5m", "nginx").splitlines():
        if line.startswith("{"):
            entry = json.loads(line)
            if entry.get("request_id") in request_ids:
                tried.append(entry["upstream"])
    return tried


def test_nginx_routes_around_a_web_replica_that_answers_503_and_nothing_restarts_it(two_of_each, user):
    victim = container_ids("web")[0]
    back, _ = network_address(victim, "_back")
    _, victim_address = network_address(victim, "_front")
    lifetime = inspect(victim, "{{.RestartCount}} {{.State.StartedAt}}")
    subprocess.run(["docker", "network", "disconnect", back, victim], check=True, timeout=30)
    try:
        poll(lambda: ready_answer(victim)[0], lambda status: status == 503, "the cut-off replica's /ready")
        request_ids = {secrets.token_hex(8) for _ in range(20)}
        for request_id in request_ids:
            page = user.get(f"{two_of_each}/rooms", headers={"X-Request-ID": request_id}, timeout=10)
            assert page.status_code == 200, f"request {request_id} answered {page.status_code}"
        tried = poll(lambda: upstreams_of(request_ids), lambda seen: len(seen) == 20, "Nginx's access lines")
    finally:
        reconnect = ["docker", "network", "connect", "--alias", "web", back, victim]
        subprocess.run(reconnect, check=True, timeout=30)
    on_victim = [upstream for upstream in tried if victim_address in upstream]
    assert on_victim, "Nginx never tried the cut-off replica: this test proved nothing"
    assert all(not upstream.endswith(victim_address + ":8000") for upstream in on_victim), "it answered"
    # The first 503 marks it failed; it is tried again at most once per 10 s.
    assert len(on_victim) <= 3, f"Nginx kept sending work to the unready replica: {on_victim}"
    poll(lambda: ready_answer(victim)[0], lambda status: status == 200, "its /ready once reconnected")
    assert inspect(victim, "{{.RestartCount}} {{.State.StartedAt}}") == lifetime, "it was restarted"
