"""A replica that loses a dependency is unready: Nginx routes around it, nothing restarts it.

One web replica is cut off from the back network (Redis and db-api), so it
answers 503 while the other is fine; Nginx must retry on the other and then
leave the cut-off one alone (``proxy_next_upstream``, ``max_fails``). The
request that meets it first may get its 503 itself, when the replica took
longer than the 1.5 s within which Nginx passes a request on
(``proxy_next_upstream_timeout``); every other request is served.
"""

from __future__ import annotations

import json
import secrets
import subprocess

from e2e.scrape import poll
from e2e.stack import compose, container_ids, inspect, network_address, ready_answer


def upstreams_of(request_ids: set[str]) -> dict[str, str]:
    """Nginx's ``upstream`` field (every replica tried, in order) of each of these requests."""
    tried = {}
    for line in compose("logs", "--no-log-prefix", "--since", "5m", "nginx").splitlines():
        if line.startswith("{"):
            entry = json.loads(line)
            if entry.get("request_id") in request_ids:
                tried[entry["request_id"]] = entry["upstream"]
    return tried


def test_nginx_routes_around_a_web_replica_that_answers_503_and_nothing_restarts_it(two_of_each, user):
    victim = container_ids("web")[0]
    back, _ = network_address(victim, "_back")
    _, victim_address = network_address(victim, "_front")
    lifetime = inspect(victim, "{{.RestartCount}} {{.State.StartedAt}}")
    subprocess.run(["docker", "network", "disconnect", back, victim], check=True, timeout=30)
    try:
        poll(lambda: ready_answer(victim)[0], lambda status: status == 503, "the cut-off replica's /ready")
        statuses = {}
        for _ in range(20):
            request_id = secrets.token_hex(8)
            page = user.get(f"{two_of_each}/rooms", headers={"X-Request-ID": request_id}, timeout=10)
            statuses[request_id] = page.status_code
        tried = poll(lambda: upstreams_of(set(statuses)), lambda seen: len(seen) == 20, "access lines")
    finally:
        reconnect = ["docker", "network", "connect", "--alias", "web", back, victim]
        subprocess.run(reconnect, check=True, timeout=30)
    it = f"{victim_address}:8000"
    on_victim = {rid: upstream for rid, upstream in tried.items() if it in upstream}
    assert on_victim, "Nginx never tried the cut-off replica: this test proved nothing"
    # The first 503 marks it failed; it is tried again at most once per 10 s.
    assert len(on_victim) <= 3, f"Nginx kept sending work to the unready replica: {on_victim}"
    refused = {rid: status for rid, status in statuses.items() if status != 200}
    assert len(refused) <= 1, f"more than the first meeting with it failed: {refused}"
    assert all(status == 503 and tried[rid] == it for rid, status in refused.items()), (refused, tried)
    answered_by_it = [rid for rid, tries in on_victim.items() if rid not in refused and tries.endswith(it)]
    assert not answered_by_it, "the cut-off replica answered"
    poll(lambda: ready_answer(victim)[0], lambda status: status == 200, "its /ready once reconnected")
    assert inspect(victim, "{{.RestartCount}} {{.State.StartedAt}}") == lifetime, "it was restarted"
