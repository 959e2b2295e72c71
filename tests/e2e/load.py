"""A bounded load through Nginx that records what every client was told.

Used by the fault and rollout tests: page and API GETs, message posts that
retry like a careful client (same ``client_id``) until acknowledged, and
WebSocket clients that reconnect and record how long they were away.
"""

import json
import secrets
import threading
import time
from pathlib import Path

import requests
import websocket
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry


class Load:
    def __init__(self, base_url: str, client: requests.Session, room: str, *, sockets: int = 2):
        self.base_url, self.client, self.room = base_url, client, room
        self.stop = threading.Event()
        self.gets: list[int | str] = []
        self.acknowledged: dict[str, int] = {}
        self.post_answers: list[int | str] = []
        self.ws_events: list[str] = []
        self.ws_gaps: list[float] = []
        self.threads = [threading.Thread(target=self.get_loop, args=(p,)) for p in self.get_paths()]
        self.threads.append(threading.Thread(target=self.post_loop))
        self.threads += [threading.Thread(target=self.ws_loop) for _ in range(sockets)]

    def get_paths(self) -> list[str]:
        return ["/rooms", f"/api/v1/rooms/{self.room}/messages", "/health"]

    def session(self) -> requests.Session:
        """Like a browser: a GET on a keep-alive connection the server had just
        closed (an Nginx reload, a replica stopping) is sent again once."""
        session = requests.Session()
        session.cookies.update(self.client.cookies)
        retry = Retry(total=1, connect=1, read=1, status=0, allowed_methods={"GET"}, raise_on_status=False)
        session.mount("http://", HTTPAdapter(max_retries=retry))
        session.mount("https://", HTTPAdapter(max_retries=retry))
        return session

    def __enter__(self):
        for thread in self.threads:
            thread.start()
        time.sleep(1)
        return self

    def __exit__(self, *exc):
        time.sleep(2)
        self.stop.set()
        for thread in self.threads:
            thread.join(20)

    def get_loop(self, path: str):
        session, deadline = self.session(), time.monotonic() + 180
        while not self.stop.is_set() and time.monotonic() < deadline:
            try:
                self.gets.append(
                    session.get(self.base_url + path, timeout=10, allow_redirects=False).status_code
                )
            except requests.RequestException as exc:
                self.gets.append(type(exc).__name__)
            time.sleep(0.05)

    def post_loop(self):
        """Post with a client_id and retry like a careful client until acknowledged."""
        session, deadline = self.session(), time.monotonic() + 180
        url = f"{self.base_url}/api/v1/rooms/{self.room}/messages"
        while not self.stop.is_set() and time.monotonic() < deadline:
            client_id = secrets.token_hex(8)
            for _attempt in range(100):
                try:
                    response = session.post(url, json={"body": "fault", "client_id": client_id}, timeout=10)
                    self.post_answers.append(response.status_code)
                except requests.RequestException as exc:
                    self.post_answers.append(type(exc).__name__)
                    time.sleep(0.3)
                    continue
                if response.status_code in (200, 201):
                    self.acknowledged[client_id] = response.json()["id"]
                    break
                time.sleep(0.3)
            time.sleep(0.1)

    def ws_loop(self):
        """Ping every 0.2 s; after a lost socket, time until a pong comes back."""
        url = self.base_url.replace("http", "ws", 1) + f"/ws/rooms/{self.room}"
        cookie = f"session={self.client.cookies.get('session')}"
        deadline, lost_at = time.monotonic() + 180, None
        while not self.stop.is_set() and time.monotonic() < deadline:
            try:
                sock = websocket.create_connection(url, cookie=cookie, timeout=5)
            except Exception as exc:
                self.ws_events.append(f"connect failed: {type(exc).__name__}")
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
            except Exception as exc:
                self.ws_events.append(f"lost: {type(exc).__name__}")
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


def assert_nothing_lost(load: Load, base_url: str, client: requests.Session, room: str) -> None:
    assert load.acknowledged, "no message was acknowledged during the fault"
    stored = stored_client_ids(base_url, client, room)
    missing = set(load.acknowledged) - set(stored)
    assert not missing, f"{len(missing)} acknowledged messages are not stored"
    assert len(stored) == len(set(stored)), "a message was stored twice"


def record(fault: str, load: Load) -> None:
    """One row of docs/security.md's fault table, in test-output/faults.jsonl."""
    row = {
        "fault": fault,
        "gets": len(load.gets),
        "gets_failed": sum(1 for answer in load.gets if answer != 200),
        "posts_acknowledged": len(load.acknowledged),
        "post_retries": sum(1 for answer in load.post_answers if answer not in (200, 201)),
        "ws_reconnects": len(load.ws_gaps),
        "ws_longest_gap_s": round(max(load.ws_gaps, default=0.0), 2),
        "messages_lost": 0,
    }
    output = Path(__file__).resolve().parents[2] / "test-output" / "faults.jsonl"
    output.parent.mkdir(exist_ok=True)
    with output.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(row) + "\n")
