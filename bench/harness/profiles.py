"""py-spy profiles of the services' workers under wrk load, and their reading by layer."""

from __future__ import annotations

import collections
import re
import subprocess
import time
from pathlib import Path

from harness.settings import Settings
from harness.shell import CLIENT, IMAGE, check_dns, container_ids, log
from harness.wrk import parse_wrk

# Leaf frames that are a thread waiting, not working: py-spy's idle detection misses them in
# these containers (gthread's idle pool threads, the selector, blocking reads of a reply).
WAITING = (
    "EpollSelector.select",
    "_worker (concurrent/futures/thread.py",
    "SocketIO.readinto (socket.py",
    "Condition.wait",
    "Event.wait",
    "Thread._wait_for_tstate_lock",
    "sleep (",
)
# Inclusive markers: share of samples with this frame anywhere on the stack.
MARKERS = (
    ("db-api hop: DbApiClient.request", "DbApiClient.request ("),
    ("template: render_template", "render_template ("),
    ("forms: Form construction (CSRF)", "FormMeta.__call__ ("),
    ("session: open_session", "open_session ("),
    ("session: save_session", "save_session ("),
    ("logging: Handler.handle", "Handler.handle ("),
    ("rate limits: Flask-Limiter", "flask_limiter/"),
    ("MariaDB: PyMySQL", "pymysql/"),
    ("pool: DBUtils", "dbutils/"),
    ("JSON: jsonify/dumps", "json/"),
    ("socket send/recv syscalls", "SocketMixin.send ("),
)
LAYERS = [
    ("socket send/recv syscalls (kernel: veth, bridge, TCP)", ("_socketcommon.py:716", "_socketcommon.py:6")),
    ("template (Jinja2)", ("jinja2/", "/templates/", ".html")),
    ("session (servicekit, itsdangerous)", ("servicekit/sessions", "flask/sessions", "itsdangerous/")),
    ("Redis client", ("redis/", "hiredis")),
    ("db-api hop (requests, urllib3, http.client)", ("requests/", "urllib3/", "http/client", "internal_api")),
    ("MariaDB driver (PyMySQL)", ("pymysql/",)),
    ("pool (DBUtils)", ("dbutils/",)),
    ("forms, CSRF (WTForms, Flask-WTF)", ("wtforms/", "flask_wtf/")),
    ("rate limits (Flask-Limiter)", ("flask_limiter/", "limits/")),
    ("logging (structlog, logging)", ("structlog/", "logging/", "servicekit/log", "gunicorn_logging")),
    ("metrics (prometheus_client)", ("prometheus_client/", "servicekit/metrics")),
    ("JSON", ("json/", "simplejson")),
    ("Flask, Werkzeug", ("flask/", "werkzeug/", "markupsafe", "itsdangerous", "blinker")),
    ("gunicorn", ("gunicorn/",)),
    ("gevent (hub, sockets)", ("gevent/", "greenlet")),
    ("sockets, ssl, selectors", ("socket.py", "ssl.py", "selectors.py", "threading.py", "queue.py")),
    ("application code", ("/app/web/", "/app/dbapi/", "/app/ws/", "servicekit/")),
]
FRAME = re.compile(r"^(?P<func>.*?) \((?P<file>[^():]*)(?::(?P<line>\d+))?\)$")


def layer_of(path: str) -> str:
    for name, needles in LAYERS:
        if any(n in path for n in needles):
            return name
    return "other (stdlib, interpreter)"


def parse_profile(path: Path) -> dict:
    """Self time per layer and per function from py-spy's raw (collapsed) output."""
    layers: collections.Counter = collections.Counter()
    functions: collections.Counter = collections.Counter()
    inclusive: collections.Counter = collections.Counter()
    total = waiting = 0
    if not path.exists():
        return {"samples": 0}
    for line in path.read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        n = int(count)
        frames = [f for f in stack.split(";") if f and not f.startswith(("process ", "thread "))]
        if not frames:
            continue
        if frames[-1].startswith(WAITING):
            waiting += n
            continue
        total += n
        leaf = FRAME.match(frames[-1])
        leaf_where = f"{leaf.group('file')}:{leaf.group('line')}" if leaf else frames[-1]
        layers[layer_of(leaf_where)] += n
        functions[frames[-1]] += n
        for name, needle in MARKERS:
            if any(needle in f for f in frames):
                inclusive[name] += n
    return {
        "samples": total,
        "waiting": waiting,
        "layers": layers.most_common(),
        "functions": functions.most_common(12),
        "inclusive": dict(inclusive),
    }


# gthread: sample only the thread holding the GIL, or idle threads and threads waiting for the
# GIL after a syscall look busy. gevent runs one thread: sample it whatever it does.
GIL_ONLY = {"db-api": ["--gil"]}


def profile(
    settings: Settings, label: str, url: str, cookie: str, services: tuple[str, ...], out: Path
) -> dict:
    """py-spy record on every worker of ``services`` while wrk loads ``url``."""
    log(
        f"\n=== profile: {label} under load, py-spy record {settings.profile_s} s"
        f" on {', '.join(services)} ==="
    )
    check_dns()
    load = subprocess.Popen(
        [
            "docker",
            "exec",
            CLIENT,
            "wrk",
            "-t",
            str(settings.threads),
            "-c",
            str(settings.conns),
            "-d",
            f"{settings.profile_s + 6}s",
            "-H",
            f"Cookie: session={cookie}",
            url,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    time.sleep(2)
    spies = {}
    for service in services:
        name = f"profile-{label.split()[0]}-{service}.txt"
        (out / name).unlink(missing_ok=True)
        spies[service] = (
            name,
            subprocess.Popen(
                [
                    "docker",
                    "run",
                    "--rm",
                    "--pid",
                    f"container:{container_ids(service)[0]}",
                    "--cap-add",
                    "SYS_PTRACE",
                    "-v",
                    f"{out.resolve()}:/out",
                    IMAGE,
                    "py-spy",
                    "record",
                    "--pid",
                    "1",
                    "--subprocesses",
                    "--duration",
                    str(settings.profile_s),
                    "--rate",
                    "97",
                    "--nonblocking",
                    "--format",
                    "raw",
                    "--output",
                    f"/out/{name}",
                    *GIL_ONLY.get(service, []),
                ],
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            ),
        )
    result: dict = {"label": label, "url": url}
    for service, (name, spy) in spies.items():
        text, _ = spy.communicate(timeout=settings.profile_s + 120)
        log(f"py-spy {service}: {' '.join(text.split())[-200:]}")
        result[service] = parse_profile(out / name)
    text, _ = load.communicate(timeout=settings.profile_s + 60)
    log(text.rstrip())
    result["load"] = parse_wrk(text)
    for service in services:
        data = result[service]
        log(f"{service}: {data.get('samples', 0)} on-CPU samples, {data.get('waiting', 0)} waiting")
        for layer, n in data.get("layers", []):
            log(f"  {100 * n / max(1, data['samples']):5.1f}%  {layer}")
        for marker, n in sorted(data.get("inclusive", {}).items(), key=lambda kv: -kv[1]):
            log(f"  inclusive {100 * n / max(1, data['samples']):5.1f}%  {marker}")
    return result
