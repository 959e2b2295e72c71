"""Load for roomservice, through Nginx, the way its users use it.

Plain on purpose (like the best load generators): module-level task
functions, a weights table per user class, a few environment variables.
The same file is the `make test` smoke gate (failures only) and the
`make loadtest` run, whose thresholds (failure ratio, p95 of pages and of
WebSocket round trips) set the exit code.

Environment:
  LOCUST_ROOMS           shared rooms every user reuses (default 5)
  LOCUST_THINK_MIN/MAX   think time in seconds (default 1 / 3)
  LOCUST_CHECK_LATENCY   1 to fail the run on the p95 thresholds (default 1)
  LOCUST_P95_PAGE_MS     threshold for HTML pages (default 300)
  LOCUST_P95_WS_MS       threshold for WS round trips (default 150)
"""

import json
import os
import random
import re
import secrets
import time

import websocket
from locust import FastHttpUser, User, between, events

ROOMS = [f"Load room {n}" for n in range(1, int(os.environ.get("LOCUST_ROOMS", "5")) + 1)]
THINK = between(
    float(os.environ.get("LOCUST_THINK_MIN", "1")), float(os.environ.get("LOCUST_THINK_MAX", "3"))
)
PASSWORD = "load-test-password"  # noqa: S105 - throwaway load-test accounts
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def slugify(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def new_username(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(5)}"


def csrf_token(user, path: str, name: str) -> str:
    with user.client.get(path, name=name, catch_response=True) as response:
        match = CSRF.search(response.text or "")
        if not match:
            response.failure("no csrf_token in the form")
            return ""
        return match.group(1)


def api_login(user, username: str) -> None:
    credentials = {"username": username, "password": PASSWORD}
    user.client.post("/api/v1/auth/register", json=credentials, name="api register")
    user.client.post("/api/v1/auth/login", json=credentials, name="api login")


@events.test_start.add_listener
def create_shared_rooms(environment, **_kwargs):
    """The rooms everyone reuses, so the data doesn't grow without bound."""
    if environment.host is None or getattr(environment.runner, "worker_index", 0) not in (0, None):
        return
    import requests

    session = requests.Session()
    credentials = {"username": new_username("setup"), "password": PASSWORD}
    session.post(f"{environment.host}/api/v1/auth/register", json=credentials, timeout=10)
    session.post(f"{environment.host}/api/v1/auth/login", json=credentials, timeout=10)
    for name in ROOMS:
        session.post(f"{environment.host}/api/v1/rooms", json={"name": name}, timeout=10)


# --- Browser: HTML pages, forms with CSRF ------------------------------------


def home(user):
    user.client.get("/", name="page /")


def rooms_list(user):
    user.client.get("/rooms", name="page /rooms")


def room_page(user):
    user.client.get(f"/rooms/{slugify(random.choice(ROOMS))}", name="page /rooms/<slug>")


class Browser(FastHttpUser):
    """Registers once through the form, logs in, mostly reads pages."""

    weight = 3
    wait_time = THINK
    tasks = {home: 2, rooms_list: 3, room_page: 5}

    def on_start(self):
        home(self)  # anonymous views first, as a new visitor would
        username = new_username("browser")
        token = csrf_token(self, "/auth/register", "page /auth/register")
        self.client.post(
            "/auth/register",
            data={"csrf_token": token, "username": username, "password": PASSWORD, "confirm": PASSWORD},
            name="form register",
        )
        self.client.post(
            "/auth/logout", data={"csrf_token": csrf_token(self, "/rooms", "page /rooms")}, name="form logout"
        )
        token = csrf_token(self, "/auth/login", "page /auth/login")
        self.client.post(
            "/auth/login",
            data={"csrf_token": token, "username": username, "password": PASSWORD},
            name="form login",
        )


# --- ApiClient: the JSON API ------------------------------------------------


def api_rooms(user):
    user.client.get("/api/v1/rooms?limit=20", name="api rooms")


def api_history(user):
    slug = slugify(random.choice(ROOMS))
    with user.client.get(
        f"/api/v1/rooms/{slug}/messages?limit=50", name="api history", catch_response=True
    ) as page:
        before = (page.json() or {}).get("next_before") if page.status_code == 200 else None
    if before:
        user.client.get(f"/api/v1/rooms/{slug}/messages?limit=50&before={before}", name="api history older")


def api_post(user):
    slug = slugify(random.choice(ROOMS))
    body = {"body": f"api load {secrets.token_hex(4)}", "client_id": secrets.token_hex(8)}
    user.client.post(f"/api/v1/rooms/{slug}/messages", json=body, name="api post message")


class ApiClient(FastHttpUser):
    weight = 2
    wait_time = THINK
    tasks = {api_rooms: 2, api_history: 4, api_post: 1}

    def on_start(self):
        api_login(self, new_username("api"))


# --- Chatter: WebSockets through Nginx ---------------------------------------


def fire(user, name, started, exc=None, length=0):
    user.environment.events.request.fire(
        request_type="WS",
        name=name,
        response_time=(time.perf_counter() - started) * 1000,
        response_length=length,
        exception=exc,
        context={},
    )


def chat(user):
    """Send a message; time until this socket receives its own broadcast."""
    client_id = secrets.token_hex(8)
    started = time.perf_counter()
    try:
        user.socket.send(json.dumps({"type": "message", "body": "hello from locust", "client_id": client_id}))
        deadline = started + 5
        while time.perf_counter() < deadline:
            frame = json.loads(user.socket.recv())
            if frame.get("type") == "message" and frame.get("client_id") == client_id:
                fire(user, "message round trip", started)
                return
            if frame.get("type") == "error":
                raise RuntimeError(f"error frame: {frame}")
        raise TimeoutError("own message not received within 5 s")
    except Exception as exc:  # noqa: BLE001 - reported to Locust as a failure
        fire(user, "message round trip", started, exc)
        user.connect()


def ping(user):
    started = time.perf_counter()
    try:
        user.socket.send('{"type": "ping"}')
        while json.loads(user.socket.recv()).get("type") != "pong":
            pass
        fire(user, "ping", started)
    except Exception as exc:  # noqa: BLE001 - reported to Locust as a failure
        fire(user, "ping", started, exc)
        user.connect()


class Chatter(User):
    """Joins a shared room over WebSocket and chats."""

    weight = 2
    wait_time = THINK
    tasks = {chat: 3, ping: 1}

    def on_start(self):
        import requests

        self.http = requests.Session()
        credentials = {"username": new_username("chatter"), "password": PASSWORD}
        self.http.post(f"{self.host}/api/v1/auth/register", json=credentials, timeout=10)
        self.http.post(f"{self.host}/api/v1/auth/login", json=credentials, timeout=10)
        self.slug = slugify(random.choice(ROOMS))
        self.socket = None
        self.connect()

    def connect(self):
        if self.socket is not None:
            self.socket.close()
        url = self.host.replace("http", "ws", 1) + f"/ws/rooms/{self.slug}"
        started = time.perf_counter()
        try:
            # A script, not a browser: it sends no Origin (websocket-client would
            # make one up from the URL, http://nginx:8080, which is not allowed).
            self.socket = websocket.create_connection(
                url, cookie=f"session={self.http.cookies.get('session')}", timeout=10, suppress_origin=True
            )
            fire(self, "connect", started)
        except Exception as exc:
            fire(self, "connect", started, exc)
            raise

    def on_stop(self):
        if self.socket is not None:
            self.socket.close()


# --- Thresholds ---------------------------------------------------------------


@events.quitting.add_listener
def check_thresholds(environment, **_kwargs):
    """Fail the run (exit code 1) when a threshold of `make loadtest` fails."""
    stats = environment.stats
    problems = []
    if stats.total.num_requests and stats.total.fail_ratio > 0:
        problems.append(f"failure ratio {stats.total.fail_ratio:.2%} > 0")
    if os.environ.get("LOCUST_CHECK_LATENCY", "1") == "1":
        page_p95 = int(os.environ.get("LOCUST_P95_PAGE_MS", "300"))
        ws_p95 = int(os.environ.get("LOCUST_P95_WS_MS", "150"))
        for entry in stats.entries.values():
            if entry.num_requests == 0:
                continue
            p95 = entry.get_response_time_percentile(0.95)
            if entry.name.startswith("page ") and p95 > page_p95:
                problems.append(f"{entry.name} p95 {p95:.0f} ms > {page_p95} ms")
            if entry.method == "WS" and entry.name == "message round trip" and p95 > ws_p95:
                problems.append(f"WS {entry.name} p95 {p95:.0f} ms > {ws_p95} ms")
    for problem in problems:
        print(f"threshold failed: {problem}")
    if problems:
        environment.process_exit_code = 1
