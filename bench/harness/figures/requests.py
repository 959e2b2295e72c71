"""HTTP and WebSocket throughput ratios from interleaved closed-loop runs (wrk, wsbench ping).

Groups of peers are measured together, A, B, A, B, ..., so the ratios inside a
group share the machine's drift. Every ratio below divides two peers of the
same group.
"""

from __future__ import annotations

import json

from harness import shell
from harness.figures.base import Context, Figure, rate, ratio, runs
from harness.peers import Peer, interleaved
from harness.profiles import profile
from harness.shell import NGINX, log
from harness.stats import median

API_PATH = "/api/v1/rooms/{room}/messages?limit=50"
INTERNAL_WS = "ws://nginx:8080"

CONNECT_SCRIPT = r"""
import json, os, statistics, time
import pymysql
kw = dict(host=os.environ["DB_HOST"], user=os.environ["DB_USER"], password=os.environ["DB_PASSWORD"],
          database=os.environ["DB_NAME"], charset="utf8mb4", autocommit=True)
out = {}
for label, disabled in (("tls_off", True), ("tls_on", False)):
    wall, cpu, cipher = [], [], None
    for _ in range(40):
        w, c = time.perf_counter(), time.process_time()
        con = pymysql.connect(ssl_disabled=disabled, **kw)
        wall.append(time.perf_counter() - w)
        cpu.append(time.process_time() - c)
        if cipher is None:
            with con.cursor() as cur:
                cur.execute("SHOW SESSION STATUS LIKE 'Ssl_cipher'")
                row = cur.fetchone()
                cipher = row[1] if row else ""
        con.close()
    out[label] = {"wall_ms": 1000 * statistics.median(wall), "cpu_ms": 1000 * statistics.median(cpu),
                  "cipher": cipher or "none"}
print(json.dumps(out))
"""


def groups(seed: dict) -> list[tuple[str, str, list[Peer]]]:
    """(key for BENCH_SKIP/BENCH_ONLY, title, peers), in the order they run."""
    cookie, room = seed["cookie"], seed["room"]
    api = API_PATH.format(room=room)
    return [
        (
            "p1",
            "P1, P1′: web /health through Nginx ÷ direct, and ÷ bare hello direct",
            [
                Peer("health_nginx", "web /health through Nginx", f"{NGINX}/health"),
                Peer("health_direct", "web /health direct (web:8000)", "http://web:8000/health"),
                Peer(
                    "hello_direct", "bare Flask hello direct (bench-hello:8000)", "http://bench-hello:8000/"
                ),
            ],
        ),
        (
            "p2",
            "P2, P5′: room page and db-api GET messages ÷ bare Flask hello, all through Nginx",
            [
                Peer(
                    "room_nginx",
                    "room page, logged in, through Nginx",
                    f"{NGINX}/rooms/{room}",
                    cookie,
                    "Bench message 49",
                ),
                Peer(
                    "hello_nginx",
                    "bare Flask hello (web's gunicorn settings) through Nginx",
                    f"{NGINX}/bench/hello",
                ),
                Peer(
                    "api_nginx", "db-api GET messages (50) through Nginx", f"{NGINX}{api}", cookie, '"items"'
                ),
            ],
        ),
        (
            "p3",
            "P3 session ÷ no session on /",
            [
                Peer("home_session", "/ with the session cookie, through Nginx", f"{NGINX}/", cookie),
                Peer("home_anon", "/ without a cookie, through Nginx", f"{NGINX}/"),
            ],
        ),
        (
            "p4",
            "P4 pool ÷ new connection per request (db-api GET messages, direct)",
            [
                Peer(
                    "api_pool",
                    "db-api pooled, direct (db-api:8000)",
                    f"http://db-api:8000{api}",
                    cookie,
                    '"items"',
                ),
                Peer(
                    "api_newconn",
                    "new connection per request, TLS off (bench-dbapi-newconn:8000)",
                    f"http://bench-dbapi-newconn:8000{api}",
                    cookie,
                    '"items"',
                ),
                Peer(
                    "api_newconn_tls",
                    "new connection per request, TLS on (bench-dbapi-newconn-tls:8000)",
                    f"http://bench-dbapi-newconn-tls:8000{api}",
                    cookie,
                    '"items"',
                ),
            ],
        ),
        (
            "p6",
            "P6 WS ping round trips: ws ÷ bare echo",
            [
                Peer(
                    "ws_ping",
                    "ws /ws/rooms/<slug> ping→pong through Nginx",
                    f"{INTERNAL_WS}/ws/rooms/{room}",
                    cookie,
                    kind="ws",
                ),
                Peer(
                    "echo_ping",
                    "bare gevent-websocket echo through Nginx",
                    f"{INTERNAL_WS}/bench/ws/echo",
                    kind="ws",
                ),
            ],
        ),
    ]


def baseline_group(seed: dict) -> tuple[str, str, list[Peer]]:
    """Before ÷ after: the same requests, direct, to the baseline build (BENCH_BASELINE) and this one."""
    cookie, room = seed["cookie"], seed["room"]
    api = API_PATH.format(room=room)
    return (
        "baseline",
        "Before (BENCH_BASELINE) and after: room page and GET messages, direct",
        [
            Peer(
                "room_after",
                "room page, direct to web (this build)",
                f"http://web:8000/rooms/{room}",
                cookie,
                "Bench message 49",
            ),
            Peer(
                "room_before",
                "room page, direct to the baseline web",
                f"http://bench-web-base:8000/rooms/{room}",
                cookie,
                "Bench message 49",
            ),
            Peer(
                "api_after",
                "db-api GET messages direct (this build)",
                f"http://db-api:8000{api}",
                cookie,
                '"items"',
            ),
            Peer(
                "api_before",
                "db-api GET messages direct, baseline",
                f"http://bench-dbapi-base:8000{api}",
                cookie,
                '"items"',
            ),
        ],
    )


def measure(ctx: Context) -> None:
    results = ctx.results
    chosen = groups(ctx.seed)
    if ctx.seed.get("baseline"):
        chosen.append(baseline_group(ctx.seed))
    for key, title, peers in chosen:
        if not ctx.settings.wants(key):
            log(f"\n=== {title}: skipped ===")
            continue
        if key == "p4":
            results["figures"]["connect"] = connect_cost()
        for peer in peers:
            results["labels"][peer.name] = peer.label
        results["runs"].update(interleaved(title, peers, ctx.settings, ctx.meter))
        if key == "p2" and ctx.settings.wants("profile"):
            room, cookie = ctx.seed["room"], ctx.seed["cookie"]
            results["figures"]["profiles"] = [
                profile(
                    ctx.settings,
                    "room page through Nginx",
                    f"{NGINX}/rooms/{room}",
                    cookie,
                    ("web", "db-api"),
                    ctx.out,
                ),
                profile(
                    ctx.settings,
                    "db-api GET messages through Nginx",
                    f"{NGINX}{API_PATH.format(room=room)}",
                    cookie,
                    ("db-api",),
                    ctx.out,
                ),
            ]


def connect_cost() -> dict:
    """One MariaDB connect from db-api's container, TLS off and on: 40 connects each, medians."""
    data = shell.last_json(
        shell.run(["docker", "compose", "exec", "-T", "db-api", "python", "-"], stdin=CONNECT_SCRIPT)
    )
    log(f"MariaDB connect cost (PyMySQL, 40 connects each, medians): {json.dumps(data)}")
    return data


def _p4_detail(r: dict) -> str:
    text = f"{rate(r, 'api_pool')} vs {rate(r, 'api_newconn')}; "
    text += f"new connection with TLS on: {rate(r, 'api_newconn_tls')}"
    if c := r["figures"].get("connect"):
        text += (
            f"; one connect: TLS off {c['tls_off']['wall_ms']:.2f} ms ({c['tls_off']['cpu_ms']:.2f} ms CPU), "
            f"TLS on {c['tls_on']['wall_ms']:.2f} ms ({c['tls_on']['cpu_ms']:.2f} ms CPU, "
            f"cipher {c['tls_on']['cipher']})"
        )
    return text


def _closed_p99(r: dict) -> str:
    found = runs(r, "api_nginx")
    if not found:
        return ""
    return (
        f"{rate(r, 'api_nginx')} vs {rate(r, 'hello_nginx')}; closed loop (wrk -c{r['settings']['conns']}): "
        f"p50 {median(found, 'p50_ms'):.1f} ms, p99 {median(found, 'p99_ms'):.1f} ms"
    )


FIGURES = [
    Figure(
        "P1",
        "web `/health` through Nginx ÷ direct to gunicorn (web:8000)",
        "Requests/s of web's `GET /health` through Nginx divided by the same request sent straight to"
        " web:8000 (wrk, closed loop, medians of the interleaved rounds). Both include web's servicekit"
        " hooks, JSON access log and metrics; the first adds Nginx and its keep-alive upstream.",
        "≥ 0.85",
        0.85,
        True,
        lambda r: ratio(r, "health_nginx", "health_direct"),
        detail=lambda r: f"{rate(r, 'health_nginx')} vs {rate(r, 'health_direct')}",
    ),
    Figure(
        "P1′",
        "web `/health` through Nginx ÷ bare Flask hello *direct*",
        "Requests/s of web's `GET /health` through Nginx (all production plumbing: Nginx, servicekit's"
        " before/after hooks, request id, JSON access log, Prometheus metrics) divided by a bare Flask"
        " app returning `Hello, World!` on web's own gunicorn settings, sent straight to its port"
        " (no Nginx). Same group of interleaved rounds.",
        "≥ 0.75",
        0.75,
        True,
        lambda r: ratio(r, "health_nginx", "hello_direct"),
        detail=lambda r: f"{rate(r, 'health_nginx')} vs {rate(r, 'hello_direct')}",
    ),
    Figure(
        "P2",
        "logged-in room page (50 messages) ÷ bare Flask hello, both through Nginx",
        "Requests/s of `GET /rooms/<slug>` with a logged-in session cookie, whose 200 holds the room's"
        " 50 newest messages rendered by Jinja2 on the server (checked before measuring: the page must"
        " hold `Bench message 49`), the upload form with its CSRF token, the session read from Redis and"
        " web's internal call(s) to db-api, which reads MariaDB; divided by the bare hello through Nginx."
        " Nothing is cached between requests: every page is rendered for its user from the database.",
        "≥ 0.25",
        0.25,
        True,
        lambda r: ratio(r, "room_nginx", "hello_nginx"),
        detail=lambda r: f"{rate(r, 'room_nginx')} vs {rate(r, 'hello_nginx')}",
    ),
    Figure(
        "P3",
        "`/` with a session cookie ÷ `/` without, through Nginx",
        "Requests/s of the home page with a logged-in session cookie (one Redis read, the logged-in"
        " page) divided by the same page without a cookie.",
        "≥ 0.70",
        0.70,
        True,
        lambda r: ratio(r, "home_session", "home_anon"),
        detail=lambda r: f"{rate(r, 'home_session')} vs {rate(r, 'home_anon')}",
    ),
    Figure(
        "P4",
        "db-api `GET messages` pooled ÷ new connection per request (TLS off), direct",
        "Requests/s of db-api's public `GET /api/v1/rooms/<slug>/messages?limit=50` (session check,"
        " room lookup, 50 rows, JSON) sent straight to db-api:8000, divided by the same app whose every"
        " request opens and closes its own MariaDB connection (bench/apps/bench_dbapi_newconn.py), TLS"
        " off; the TLS-on peer and one connect's cost are shown beside.",
        "≥ 2x",
        2.0,
        True,
        lambda r: ratio(r, "api_pool", "api_newconn"),
        fmt="{:.2f}x",
        detail=_p4_detail,
    ),
    Figure(
        "P5′",
        "db-api `GET messages` (50 items) ÷ bare hello, both through Nginx",
        "Requests/s of the public `GET /api/v1/rooms/<slug>/messages?limit=50` with a session cookie"
        " through Nginx (session read, room lookup, 50 rows from MariaDB, JSON, access log, metrics)"
        " divided by the bare hello through Nginx; closed loop (wrk), same group of rounds as P2.",
        "≥ 0.5",
        0.5,
        True,
        lambda r: ratio(r, "api_nginx", "hello_nginx"),
        detail=_closed_p99,
    ),
    Figure(
        "P6",
        "WS ping→pong round trips/s: ws ÷ bare gevent-websocket echo, both through Nginx",
        'Round trips/s of 50 sockets each sending `{"type": "ping"}` and waiting for the pong on'
        " `/ws/rooms/<slug>` (session checked at the handshake, rate limit, frame parsing) divided by a"
        " bare gevent-websocket echo on ws's worker class.",
        "≥ 0.70",
        0.70,
        True,
        lambda r: ratio(r, "ws_ping", "echo_ping"),
        detail=lambda r: f"{rate(r, 'ws_ping')} vs {rate(r, 'echo_ping')}",
    ),
]
