"""`make rollout` under load: zero failed GETs, no message lost or stored twice,
every WebSocket client back and receiving within 5 s."""

import json
import secrets
import threading
import time

import pytest
import requests
import websocket
from e2e.stack import run_script

RETRYABLE = {502, 503}


class Load:
    """Bounded request loops in threads while a rollout runs."""

    def __init__(self, base_url: str, client: requests.Session, room: str):
        self.base_url, self.client, self.room = base_url, client, room
        self.stop = threading.Event()
        self.failed_gets: list[str] = []
        self.failed_posts: list[str] = []
        self.acknowledged: dict[str, int] = {}
        self.ws_gaps: list[float] = []
        self.ws_errors: list[str] = []
        self.threads = [
            threading.Thread(target=self.get_loop, args=(path,))
            for path in ("/rooms", f"/rooms/{room}", "/api/v1/rooms", f"/api/v1/rooms/{room}/messages")
        ]
        self.threads.append(threading.Thread(target=self.post_loop))
        self.threads += [threading.Thread(target=self.ws_loop) for _ in range(3)]

    def __enter__(self):
        for thread in self.threads:
            thread.start()
        time.sleep(1)
        return self

    def __exit__(self, *exc):
        time.sleep(2)
        self.stop.set()
        for thread in self.threads:
            thread.join(15)

    def get_loop(self, path: str):
        session = requests.Session()
        session.cookies.update(self.client.cookies)
        deadline = time.monotonic() + 240
        while not self.stop.is_set() and time.monotonic() < deadline:
            try:
                response = session.get(self.base_url + path, timeout=10, allow_redirects=False)
                if response.status_code != 200:
                    self.failed_gets.append(f"{path} {response.status_code}")
            except requests.RequestException as exc:
                self.failed_gets.append(f"{path} {exc!r}")
            time.sleep(0.02)

    def post_loop(self):
        session = requests.Session()
        session.cookies.update(self.client.cookies)
        url = f"{self.base_url}/api/v1/rooms/{self.room}/messages"
        deadline = time.monotonic() + 240
        while not self.stop.is_set() and time.monotonic() < deadline:
            client_id = secrets.token_hex(8)
            for _attempt in range(20):
                try:
                    response = session.post(url, json={"body": "rollout", "client_id": client_id}, timeout=10)
                except requests.RequestException:
                    time.sleep(0.2)
                    continue
                if response.status_code in (200, 201):
                    self.acknowledged[client_id] = response.json()["id"]
                    break
                if response.status_code not in RETRYABLE:
                    self.failed_posts.append(f"{response.status_code} {response.text[:200]}")
                    break
                time.sleep(0.2)
            time.sleep(0.05)

    def ws_loop(self):
        url = self.base_url.replace("http", "ws", 1) + f"/ws/rooms/{self.room}"
        cookie = f"session={self.client.cookies.get('session')}"
        lost_at = None
        deadline = time.monotonic() + 240
        while not self.stop.is_set() and time.monotonic() < deadline:
            try:
                sock = websocket.create_connection(url, cookie=cookie, timeout=5)
            except Exception:
                lost_at = lost_at or time.monotonic()
                time.sleep(0.2)
                continue
            try:
                while not self.stop.is_set():
                    sock.send('{"type": "ping"}')
                    while json.loads(sock.recv()).get("type") != "pong":
                        pass
                    if lost_at is not None:
                        self.ws_gaps.append(time.monotonic() - lost_at)
                        lost_at = None
                    time.sleep(0.2)
            except Exception:
                lost_at = lost_at or time.monotonic()
            finally:
                sock.close()


def stored_client_ids(base_url: str, client: requests.Session, room: str) -> list[str]:
    ids, after = [], 0
    while True:
        page = client.get(
            f"{base_url}/api/v1/rooms/{room}/messages?after={after}&limit=100", timeout=10
        ).json()
        ids += [message["client_id"] for message in page["items"]]
        if page["next_after"] is None:
            return ids
        after = page["next_after"]


@pytest.mark.parametrize("service", ["web", "db-api", "ws"])
def test_rollout_under_load_loses_nothing(two_of_each, user, room, service):
    with Load(two_of_each, user, room) as load:
        run_script("rollout.sh", service, timeout=300)
    assert not load.failed_gets, f"{len(load.failed_gets)} failed GETs: {load.failed_gets[:10]}"
    assert not load.failed_posts, f"POSTs failed beyond retry: {load.failed_posts[:10]}"
    assert load.acknowledged, "no message was posted during the rollout"
    stored = stored_client_ids(two_of_each, user, room)
    missing = set(load.acknowledged) - set(stored)
    assert not missing, f"{len(missing)} acknowledged messages missing"
    assert len(stored) == len(set(stored)), "a message was stored twice"
    assert all(gap <= 5 for gap in load.ws_gaps), f"WebSocket clients were away {max(load.ws_gaps):.1f} s"
    if service == "ws":
        assert load.ws_gaps, "the ws rollout never moved a socket"
