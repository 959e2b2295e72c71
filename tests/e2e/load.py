"""A bounded load through Nginx that records what every client was told.

Used by the fault, rollout and Swarm tests: page and API GETs, message posts
that retry like a careful client (same ``client_id``) until acknowledged, and
WebSocket chat clients (:class:`ChatClient`) that reconnect, resend what was
not confirmed, catch up with ``?after=`` and record every message they saw
and how long they were away.
"""

import json
import secrets
import struct
import threading
import time
from pathlib import Path

import requests
import websocket
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry


class Load:
    """``sockets`` chat clients; with ``socket_posts`` each also sends a
    message over its socket every second (acknowledged when it comes back)."""

    def __init__(
        self,
        base_url: str,
        client: requests.Session,
        room: str,
        *,
        sockets: int = 2,
        socket_posts: bool = False,
    ):
        self.base_url, self.client, self.room = base_url, client, room
        self.socket_posts = socket_posts
        self.stop = threading.Event()
        self.stop_posting = threading.Event()
        self.gets: list[int | str] = []
        self.acknowledged: dict[str, int] = {}
        self.post_answers: list[int | str] = []
        self.ws_events: list[str] = []
        self.ws_gaps: list[float] = []
        self.chats = [ChatClient(self, posts=socket_posts) for _ in range(sockets)]
        self.poster = threading.Thread(target=self.post_loop)
        self.threads = [threading.Thread(target=self.get_loop, args=(p,)) for p in self.get_paths()]
        self.threads.append(self.poster)
        self.threads += [threading.Thread(target=chat.run) for chat in self.chats]

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

    def add_socket(self) -> None:
        """One more chat client, started now (e.g. until one lands on a given replica)."""
        chat = ChatClient(self, posts=self.socket_posts)
        thread = threading.Thread(target=chat.run)
        self.chats.append(chat)
        self.threads.append(thread)
        thread.start()

    def __enter__(self):
        for thread in self.threads:
            thread.start()
        time.sleep(1)
        return self

    def __exit__(self, *exc):
        time.sleep(2)
        self.stop_posting.set()
        # The last post gets its answer, the sockets their last confirmations,
        # and what was acknowledged last has a moment to reach every socket.
        self.poster.join(30)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and any(chat.outbox or chat.missing() for chat in self.chats):
            time.sleep(0.1)
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
        while not self.stop_posting.is_set() and time.monotonic() < deadline:
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


class SocketClosed(Exception):
    """The server closed the socket; ``code`` is its close code."""

    def __init__(self, code: int | None):
        super().__init__(f"closed with {code}")
        self.code = code


class ChatClient:
    """One WebSocket chat client, like chat.js: pings every 0.2 s (no pong
    within 5 s is a lost socket); after every (re)connect it resends its
    unconfirmed messages and catches up with ``?after=``, showing each id once.

    It catches up from the newest id it had seen :data:`RESUME_OVERLAP_SECONDS`
    before the socket was lost, not from the newest one: ids are given when a
    post is stored and pushed a moment later, so a slow post can hold a smaller
    id than one already seen and be pushed while the socket is away. Pushes
    are at least once (a publish whose answer timed out is sent again), so
    ``repeats`` counts frames of an id already shown, for the figures.
    """

    PING_SECONDS = 0.2
    POST_SECONDS = 1.0
    # Longer than a post can take between being stored and being pushed
    # (Nginx and gunicorn give up on a request after 30 s).
    RESUME_OVERLAP_SECONDS = 30.0

    def __init__(self, load: Load, *, posts: bool):
        self.load, self.posts = load, posts
        self.url = load.base_url.replace("http", "ws", 1) + f"/ws/rooms/{load.room}"
        self.cookie = f"session={load.client.cookies.get('session')}"
        self.session = load.session()
        self.live: set[int] = set()
        self.fetched: set[int] = set()
        self.arrivals: list[tuple[float, int]] = []
        self.repeats = 0
        self.outbox: dict[str, str] = {}
        self.close_codes: list[int | None] = []
        self.connects = self.catch_ups = 0
        self.start_after = self.newest_id()

    def newest_id(self) -> int:
        items = self.session.get(
            f"{self.load.base_url}/api/v1/rooms/{self.load.room}/messages?limit=1", timeout=10
        ).json()["items"]
        return items[-1]["id"] if items else 0

    def seen(self) -> set[int]:
        return self.live | self.fetched

    def missing(self) -> set[int]:
        """Acknowledged messages newer than this client's start it has not seen."""
        acknowledged = {i for i in list(self.load.acknowledged.values()) if i > self.start_after}
        return acknowledged - self.seen()

    def resume_point(self, lost_at: float | None) -> int:
        if lost_at is None:
            return self.start_after
        cutoff = lost_at - self.RESUME_OVERLAP_SECONDS
        return max((i for at, i in self.arrivals if at <= cutoff), default=self.start_after)

    def run(self):
        deadline, lost_at = time.monotonic() + 180, None
        while not self.load.stop.is_set() and time.monotonic() < deadline:
            try:
                sock = websocket.create_connection(self.url, cookie=self.cookie, timeout=5)
            except Exception as exc:
                self.load.ws_events.append(f"connect failed: {type(exc).__name__}")
                lost_at = lost_at or time.monotonic()
                time.sleep(0.2)
                continue
            self.connects += 1
            try:
                self.serve(sock, lost_at)
                lost_at = None
            except SocketClosed as exc:
                self.load.ws_events.append(f"closed: {exc.code}")
                self.close_codes.append(exc.code)
                lost_at = time.monotonic()
            except Exception as exc:
                self.load.ws_events.append(f"lost: {type(exc).__name__}")
                lost_at = time.monotonic()
            finally:
                sock.close()

    def serve(self, sock, lost_at: float | None) -> None:
        resume_after = self.resume_point(lost_at)
        for client_id, body in list(self.outbox.items()):
            self.send(sock, client_id, body)
        self.ping(sock)
        if lost_at is not None:
            self.load.ws_gaps.append(time.monotonic() - lost_at)
        caught_up, next_post = self.catch_up(resume_after), time.monotonic() + self.POST_SECONDS
        while not self.load.stop.is_set():
            time.sleep(self.PING_SECONDS)
            if self.posts and not self.load.stop_posting.is_set() and time.monotonic() >= next_post:
                client_id = secrets.token_hex(8)
                self.outbox[client_id] = "socket"
                self.send(sock, client_id, "socket")
                next_post = time.monotonic() + self.POST_SECONDS
            self.ping(sock)
            caught_up = caught_up or self.catch_up(resume_after)

    def send(self, sock, client_id: str, body: str) -> None:
        sock.send(json.dumps({"type": "message", "body": body, "client_id": client_id}))

    def ping(self, sock) -> None:
        """Send a ping and read frames until its pong; a frame-less 5 s is a lost socket."""
        sock.send('{"type": "ping"}')
        while True:
            opcode, data = sock.recv_data_frame(True)
            if opcode == websocket.ABNF.OPCODE_CLOSE:
                raise SocketClosed(struct.unpack("!H", data.data[:2])[0] if len(data.data) >= 2 else None)
            if opcode != websocket.ABNF.OPCODE_TEXT:
                continue
            frame = json.loads(data.data)
            if frame.get("type") == "pong":
                return
            if frame.get("type") == "message":
                if frame["id"] in self.live:
                    self.repeats += 1
                self.live.add(frame["id"])
                self.shown(frame)

    def shown(self, message: dict) -> None:
        self.arrivals.append((time.monotonic(), message["id"]))
        if self.outbox.pop(message.get("client_id"), None) is not None:
            self.load.acknowledged[message["client_id"]] = message["id"]

    def catch_up(self, after: int) -> bool:
        """Fetch every message after ``after``; False to try again later."""
        try:
            while True:
                page = self.session.get(
                    f"{self.load.base_url}/api/v1/rooms/{self.load.room}/messages?after={after}&limit=100",
                    timeout=10,
                )
                if page.status_code != 200:
                    return False
                body = page.json()
                for message in body["items"]:
                    self.fetched.add(message["id"])
                    self.shown(message)
                if body["next_after"] is None:
                    break
                after = body["next_after"]
        except requests.RequestException:
            return False
        self.catch_ups += 1
        return True


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


def assert_sockets_caught_up(load: Load) -> None:
    """Every chat client saw every acknowledged message of its time."""
    for number, chat in enumerate(load.chats):
        about = (
            f"socket client {number} (connects {chat.connects}, catch-ups {chat.catch_ups}, "
            f"closed with {chat.close_codes}, saw {len(chat.seen())} after id {chat.start_after})"
        )
        assert chat.connects, f"{about} never connected"
        missing = sorted(chat.missing())
        assert not missing, f"{about} never saw {len(missing)} acknowledged messages: {missing[:5]}"


def record(fault: str, load: Load) -> None:
    """One row of docs/security.md's fault table, in test-output/faults.jsonl.

    ``messages_lost`` is counted, not assumed: acknowledged messages (HTTP
    posts and WebSocket frames whose echo came back) that the database does
    not hold, plus acknowledged messages a chat client never saw, live or by
    catching up.
    """
    stored = set(stored_client_ids(load.base_url, load.client, load.room))
    not_stored = set(load.acknowledged) - stored
    unseen = sum(len(chat.missing()) for chat in load.chats)
    row = {
        "fault": fault,
        "gets": len(load.gets),
        "gets_failed": sum(1 for answer in load.gets if answer != 200),
        "posts_acknowledged": len(load.acknowledged),
        "post_retries": sum(1 for answer in load.post_answers if answer not in (200, 201)),
        "ws_reconnects": len(load.ws_gaps),
        "ws_longest_gap_s": round(max(load.ws_gaps, default=0.0), 2),
        "messages_lost": len(not_stored) + unseen,
    }
    output = Path(__file__).resolve().parents[2] / "test-output" / "faults.jsonl"
    output.parent.mkdir(exist_ok=True)
    with output.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(row) + "\n")
