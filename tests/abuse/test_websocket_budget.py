"""One account against the WebSocket budget, at the default limits.

Before these bounds, one account with 10 sockets stored 400 messages of 2,000
characters in seconds (the HTTP limit was 120 a minute: ws posted through an
unlimited internal route), and one cookie could hold every socket a replica
has. Now HTTP posts and WebSocket frames draw on one per-account budget, and
sockets are capped per account per room and overall, before the 101.
"""

from __future__ import annotations

import json
import os
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

import pytest
import requests
import websocket
from e2e.scrape import poll, total
from e2e.stack import client_address, new_room, register_and_login
from limits import parse
from redis import Redis

from servicekit.config import config_for
from servicekit.settings import value
from ws.config import WsConfig
from ws.slots import account_key

CONFIG = config_for(WsConfig, {**os.environ, "APP_ENV": "testing"}, service="ws")
# The account's message budget is db-api's setting (ws has no rate limiter).
BUDGET = parse(value(os.environ, "RATELIMIT_MESSAGES"))
SOCKETS = 10
# The socket's own burst: only the account budget refuses anything here.
FRAMES_PER_SOCKET = CONFIG.WS_RATE_BURST
HTTP_POSTS = 10
BODY = "x" * 2000
WINDOW = BUDGET.get_expiry()
# A message is stored a little after its request was counted (at most the
# db-api timeout): windows this much shorter than the budget's are judged.
SLACK = 10
DEADLINE = 90
RATE_LIMITED = "roomservice_rate_limited_total"
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def attacker(base_url: str) -> requests.Session:
    credentials = {"username": f"flood_{os.urandom(4).hex()}", "password": "correct horse battery"}
    return register_and_login(base_url, credentials)


@pytest.fixture(scope="module")
def sharing_attacker(base_url) -> requests.Session:
    """One account for the tests that need no fresh message budget (registrations are scarce here)."""
    return attacker(base_url)


def connect(base_url: str, client: requests.Session, slug: str) -> websocket.WebSocket:
    """One socket of the account, from an address of its own: these tests are
    about the account's caps and budget, not Nginx's per-address handshake rate."""
    url = "ws" + base_url[len("http") :] + f"/ws/rooms/{slug}"
    return websocket.create_connection(
        url,
        cookie=f"session={client.cookies['session']}",
        header=[f"X-Forwarded-For: {client_address()}"],
        timeout=10,
    )


def stored_messages(base_url: str, client: requests.Session, slug: str) -> list[dict]:
    items, before = [], None
    while True:
        query = "limit=100" + (f"&before={before}" if before else "")
        page = client.get(f"{base_url}/api/v1/rooms/{slug}/messages?{query}", timeout=10).json()
        items += page["items"]
        before = page.get("next_before")
        if before is None:
            return items


def most_in_any_window(messages: list[dict], seconds: float) -> int:
    """The largest number of ``messages`` created within any span of ``seconds``."""
    stamps = (m["created_at"].replace("Z", "+00:00") for m in messages)
    times = sorted(datetime.fromisoformat(stamp).timestamp() for stamp in stamps)
    most, first = 0, 0
    for last, moment in enumerate(times):
        while moment - times[first] > seconds:
            first += 1
        most = max(most, last - first + 1)
    return most


class Flood(threading.Thread):
    """One socket: sends its frames at once, then reads until each has its answer.

    Like a careful client it sends a frame answered ``unavailable`` (db-api
    too slow, the outcome unknown) again with the same ``client_id``, a few
    times; such frames may be stored even if their last answer is a refusal.
    """

    RESENDS = 3

    def __init__(self, sock: websocket.WebSocket, prefix: str, deadline: float):
        super().__init__(daemon=True)
        self.sock, self.prefix, self.deadline = sock, prefix, deadline
        self.ids = {f"{prefix}-{n}" for n in range(FRAMES_PER_SOCKET)}
        self.accepted: set[str] = set()
        self.refused: dict[str, dict] = {}
        self.uncertain: dict[str, int] = {}
        self.failure = ""

    def send(self, client_id: str) -> None:
        self.sock.send(json.dumps({"type": "message", "body": BODY, "client_id": client_id}))

    def run(self) -> None:
        try:
            for client_id in sorted(self.ids):
                self.send(client_id)
            while len(self.accepted) + len(self.refused) < len(self.ids):
                self.sock.settimeout(max(0.1, self.deadline - time.monotonic()))
                frame = json.loads(self.sock.recv())
                client_id = frame.get("client_id")
                if client_id not in self.ids or client_id in self.accepted:
                    continue
                if frame["type"] == "message":
                    self.accepted.add(client_id)
                    self.refused.pop(client_id, None)
                elif frame["type"] == "error" and frame["code"] == "unavailable":
                    self.uncertain[client_id] = self.uncertain.get(client_id, 0) + 1
                    if self.uncertain[client_id] <= self.RESENDS:
                        self.send(client_id)
                    else:
                        self.refused[client_id] = frame
                elif frame["type"] == "error":
                    self.refused[client_id] = frame
        except (websocket.WebSocketException, OSError) as exc:
            self.failure = f"{type(exc).__name__}: {exc}"


def flood(sockets: list[websocket.WebSocket], started: float) -> list[Flood]:
    floods = [Flood(sock, f"s{i}", started + DEADLINE) for i, sock in enumerate(sockets)]
    for one in floods:
        one.start()
    for one in floods:
        one.join(DEADLINE)
    assert not [one.failure for one in floods if one.failure]
    return floods


def test_ten_sockets_and_http_posts_of_one_account_store_no_more_than_its_budget(under_attack, base_url):
    client = attacker(base_url)
    slug = new_room(base_url, client)
    sockets = [connect(base_url, client, slug) for _ in range(SOCKETS)]
    with under_attack():
        for n in range(HTTP_POSTS):
            body = {"body": BODY, "client_id": f"http-{n}"}
            posted = client.post(f"{base_url}/api/v1/rooms/{slug}/messages", json=body, timeout=10)
            assert posted.status_code == 201, posted.text
        floods = flood(sockets, time.monotonic())
        for sock in sockets:
            sock.close()
    accepted = {cid for one in floods for cid in one.accepted}
    refused = {cid: frame for one in floods for cid, frame in one.refused.items()}
    uncertain = {cid for one in floods for cid in one.uncertain}
    assert len(accepted) + len(refused) == SOCKETS * FRAMES_PER_SOCKET, "every frame is answered"
    limited = [frame for frame in refused.values() if frame["code"] == "rate_limited"]
    assert limited, "the budget refused some frames"
    assert all(frame["retry_after"] >= 1 for frame in limited)
    assert {frame["code"] for frame in refused.values()} <= {"rate_limited", "unavailable"}
    stored = stored_messages(base_url, client, slug)
    stored_ids = {m["client_id"] for m in stored if not m["client_id"].startswith("http-")}
    assert len(stored) - len(stored_ids) == HTTP_POSTS, "each HTTP post is stored once"
    assert accepted <= stored_ids, "every accepted frame is stored"
    assert stored_ids <= accepted | uncertain, "no refused frame is stored"
    most = most_in_any_window(stored, WINDOW - SLACK)
    assert most <= BUDGET.amount, f"{most} messages stored within {WINDOW - SLACK} s; the budget is {BUDGET}"


def test_a_spent_budget_refuses_the_message_form_but_an_upload_is_still_announced(base_url, sharing_attacker):
    client = sharing_attacker
    slug = new_room(base_url, client)
    enough = min(CONFIG.WS_SOCKETS_PER_ACCOUNT_ROOM, BUDGET.amount // FRAMES_PER_SOCKET + 1)
    sockets = [connect(base_url, client, slug) for _ in range(enough)]
    floods = flood(sockets, time.monotonic())
    for sock in sockets:
        sock.close()
    refused = [frame for one in floods for frame in one.refused.values()]
    assert any(frame["code"] == "rate_limited" for frame in refused), "the budget is spent"
    room_page = client.get(f"{base_url}/rooms/{slug}", timeout=10)
    # The message form without JavaScript draws on the same budget.
    form = client.post(
        f"{base_url}/rooms/{slug}/messages",
        data={"csrf_token": CSRF.search(room_page.text).group(1), "client_id": "form-1", "body": "one more"},
        allow_redirects=False,
        timeout=10,
    )
    assert form.status_code == 429, form.text[:500]
    assert "Slow down a little" in form.text
    assert int(form.headers["Retry-After"]) >= 1
    assert not any(m["client_id"] == "form-1" for m in stored_messages(base_url, client, slug))
    uploaded = client.post(
        f"{base_url}/rooms/{slug}/files",
        data={"csrf_token": CSRF.search(room_page.text).group(1)},
        files={"file": ("notes.txt", b"hello", "text/plain")},
        allow_redirects=False,
        timeout=30,
    )
    assert uploaded.status_code == 302, uploaded.text[:500]
    assert any(m["body"].startswith("shared notes.txt") for m in stored_messages(base_url, client, slug))


@pytest.mark.moves("roomservice_rate_limited_total")
def test_one_account_cannot_hold_more_sockets_than_its_caps(under_attack, base_url, sharing_attacker):
    redis_url = os.environ.get("TEST_REDIS_URL")
    if not redis_url:
        pytest.fail("TEST_REDIS_URL is not set: run through `make test`")
    client = sharing_attacker
    user_id = client.get(f"{base_url}/api/v1/me", timeout=10).json()["id"]
    wait_until_no_slots(redis_url, user_id)
    counted_before = total("ws", RATE_LIMITED, limit="ws-sockets")
    rooms = [new_room(base_url, client) for _ in range(3)]
    attempts = [slug for slug in rooms for _ in range(CONFIG.WS_SOCKETS_PER_ACCOUNT_ROOM + 5)]

    def open_one(slug: str):
        try:
            return slug, connect(base_url, client, slug)
        except websocket.WebSocketBadStatusException as exc:
            return slug, exc

    with under_attack(), ThreadPoolExecutor(max_workers=len(attempts)) as pool:
        results = list(pool.map(open_one, attempts, timeout=DEADLINE))
        opened = [(slug, r) for slug, r in results if isinstance(r, websocket.WebSocket)]
        refused = [r for _, r in results if isinstance(r, websocket.WebSocketBadStatusException)]
        held = Redis.from_url(redis_url).zcard(account_key(user_id))
        for _, sock in opened:
            sock.close()
    assert len(opened) + len(refused) == len(attempts)
    assert len(opened) == CONFIG.WS_SOCKETS_PER_ACCOUNT
    for slug in rooms:
        assert sum(1 for s, _ in opened if s == slug) <= CONFIG.WS_SOCKETS_PER_ACCOUNT_ROOM
    assert {exc.status_code for exc in refused} == {429}
    assert {json.loads(exc.resp_body)["error"]["code"] for exc in refused} == {"too_many_sockets"}
    assert held == CONFIG.WS_SOCKETS_PER_ACCOUNT, "Redis holds one member per open socket"
    wait_until_no_slots(redis_url, user_id)
    counted = poll(
        lambda: total("ws", RATE_LIMITED, limit="ws-sockets") - counted_before,
        lambda moved: moved >= len(refused),
        "refused upgrades counted",
    )
    assert counted == len(refused)


def wait_until_no_slots(redis_url: str, user_id: int) -> None:
    """The account's key in Redis is gone within 10 s of its last socket closing."""
    redis, deadline = Redis.from_url(redis_url), time.monotonic() + 10
    while redis.exists(account_key(user_id)):
        assert time.monotonic() < deadline, "the account's slots outlived its sockets"
        time.sleep(0.2)
