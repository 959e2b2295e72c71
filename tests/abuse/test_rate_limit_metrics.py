"""Every refusal by a rate limit is counted under the limit that refused it.

Here, not in tests/e2e, because only the abuse phase runs the default
limits. The refused client runs in a container of its own on the front
network (its own address), and the test deletes the budget it spent from
Redis afterwards, since Docker gives the next container that address.
"""

from __future__ import annotations

import json
import os
import threading
from collections import Counter

import pytest
import websocket
from abuse.settings import setting
from e2e.scrape import per_replica, poll, replica_metrics
from e2e.stack import container_ids, run_client
from prometheus_client.parser import text_string_to_metric_families
from redis import Redis

RATE_LIMITED = "roomservice_rate_limited_total"

LOGIN_UNTIL_REFUSED = """
import json, secrets, socket, requests
attempt = {"username": "nobody_" + secrets.token_hex(4), "password": "wrong password"}
login = lambda: requests.post("http://nginx:8080/api/v1/auth/login", json=attempt, timeout=10).status_code
statuses = []
while 429 not in statuses and len(statuses) < 100:
    statuses.append(login())
statuses.append(login())
address = socket.gethostbyname(socket.gethostname())
print(json.dumps({"statuses": statuses, "address": address, "username": attempt["username"]}))
"""

NEW_USER_AND_ROOM = """
import json, secrets, requests
http = requests.Session()
account = {"username": "metrics_" + secrets.token_hex(4), "password": "correct horse battery"}
assert http.post("http://nginx:8080/api/v1/auth/register", json=account, timeout=10).status_code == 201
assert http.post("http://nginx:8080/api/v1/auth/login", json=account, timeout=10).status_code == 200
name = {"name": "Metrics " + secrets.token_hex(4)}
room = http.post("http://nginx:8080/api/v1/rooms", json=name, timeout=10)
print(json.dumps({"cookie": http.cookies["session"], "room": room.json()["slug"]}))
"""


def refusals_by_limit(service: str) -> Counter:
    counts: Counter = Counter()
    for container in container_ids(service):
        for family in text_string_to_metric_families(replica_metrics(container)):
            for sample in family.samples:
                if sample.name == RATE_LIMITED:
                    counts[sample.labels["limit"]] += sample.value
    return counts


def forget_budget(*keys: str) -> None:
    """Delete the rate-limit entries whose key names one of ``keys`` (an address, an account)."""
    redis = Redis.from_url(os.environ["TEST_REDIS_URL"])
    for key in keys:
        for entry in redis.scan_iter(match=f"*/{key}/*", count=1000):
            redis.delete(entry)


@pytest.mark.moves(RATE_LIMITED)
def test_every_429_is_counted_under_the_limit_that_refused_it():
    before = refusals_by_limit("db-api")
    client = json.loads(run_client(LOGIN_UNTIL_REFUSED))
    forget_budget(client["address"], "account:" + client["username"])
    statuses = client["statuses"]
    refused = statuses.count(429)
    assert refused == 2, f"the login limit never refused: {statuses}"
    assert set(statuses[: statuses.index(429)]) == {401}

    def moved() -> Counter:
        return refusals_by_limit("db-api") - before

    poll(lambda: sum(moved().values()), lambda counted: counted == refused, "429s counted")
    assert all(limit.startswith("login") for limit in moved()), f"counted under {dict(moved())}"


@pytest.mark.moves(RATE_LIMITED)
def test_every_refused_frame_is_counted_under_its_limit(base_url):
    account = json.loads(run_client(NEW_USER_AND_ROOM))
    rate = setting("WS_RATE_PER_SECOND")
    burst = setting("WS_RATE_BURST")
    frames = burst + max(20, int(rate))

    def refused_frames() -> float:
        return sum(per_replica("ws", RATE_LIMITED, limit="ws-frames").values())

    before = refused_frames()
    url = base_url.replace("http", "ws", 1) + f"/ws/rooms/{account['room']}"
    sock = websocket.create_connection(url, cookie=f"session={account['cookie']}", timeout=10)
    answers: Counter = Counter()

    def read_answers():
        # Read while sending: a client that stops reading is dropped.
        while sum(answers.values()) < frames:
            frame = json.loads(sock.recv())
            if frame["type"] in ("pong", "error"):
                answers[frame.get("code", frame["type"])] += 1

    reader = threading.Thread(target=read_answers)
    reader.start()
    try:
        for _ in range(frames):
            sock.send('{"type": "ping"}')
        reader.join(30)
    finally:
        sock.close()
    assert answers["pong"] + answers["rate_limited"] == frames
    assert answers["rate_limited"] > 0
    poll(
        refused_frames,
        lambda counted: counted == before + answers["rate_limited"],
        f"refused frames counted (the client was refused {answers['rate_limited']})",
    )
