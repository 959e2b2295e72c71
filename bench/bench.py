#!/usr/bin/env python3
"""The measurements of `make bench`, run by bench/run.sh against its own stack.

Every figure is a median of interleaved runs (peer A, peer B, A, B, ...),
each run printed in full and kept in ``<out>/bench.log``; the figures, the
machine and a per-layer reading go to ``docs/benchmarks.md``. A figure that
misses its goal is information, not a failure: only a broken harness or
stack makes this exit non-zero. Standard library only (it runs on the host).
"""

from __future__ import annotations

import argparse
import collections
import datetime
import json
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

CLIENT = os.environ.get("BENCH_CLIENT", "roomservice-bench-client")
PROJECT = os.environ.get("COMPOSE_PROJECT_NAME", "roomservice-bench")
DURATION = int(os.environ.get("BENCH_DURATION", "10"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
CONNS = int(os.environ.get("BENCH_CONNS", "50"))
THREADS = int(os.environ.get("BENCH_THREADS", "2"))
WARMUP = int(os.environ.get("BENCH_WARMUP", "2"))
SOCKETS = int(os.environ.get("BENCH_SOCKETS", "1000"))
BROADCASTS = int(os.environ.get("BENCH_BROADCASTS", "50"))
PROFILE_S = int(os.environ.get("BENCH_PROFILE_SECONDS", "8"))
SKIP = set(os.environ.get("BENCH_SKIP", "").lower().split())
LOADTEST_USERS = os.environ.get("USERS", "30")
LOADTEST_SPAWN = os.environ.get("SPAWN_RATE", "5")
LOADTEST_DURATION = os.environ.get("DURATION", "60s")
NGINX = "http://nginx:8080"
IMAGE = f"roomservice/bench:{os.environ.get('IMAGE_TAG') or 'latest'}"

LOG = None


def log(text: str = "") -> None:
    print(text, flush=True)
    if LOG is not None:
        LOG.write(text + "\n")
        LOG.flush()


def run(cmd: list[str], check: bool = True, timeout: float | None = None, stdin: str | None = None) -> str:
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, input=stdin, check=False)
    if check and done.returncode != 0:
        log(f"$ {' '.join(cmd)}\n{done.stdout}{done.stderr}")
        raise SystemExit(f"bench: command failed ({done.returncode}): {' '.join(cmd[:6])} ...")
    return done.stdout + (done.stderr if not check or done.returncode else "")


def client(*args: str, timeout: float | None = None) -> str:
    return run(["docker", "exec", CLIENT, *args], timeout=timeout)


def compose(*args: str, check: bool = True) -> str:
    return run(["docker", "compose", *args], check=check)


def container_ids(service: str) -> list[str]:
    return compose("ps", "-q", service).split()


def reload_nginx() -> None:
    compose("exec", "-T", "nginx", "nginx", "-s", "reload")
    time.sleep(1)


# --- wrk ------------------------------------------------------------------------

UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def parse_wrk(text: str) -> dict:
    result: dict = {"rps": 0.0, "non2xx": 0, "socket_errors": 0}
    if m := re.search(r"Requests/sec:\s+([\d.]+)", text):
        result["rps"] = float(m.group(1))
    if m := re.search(r"(\d+) requests in", text):
        result["requests"] = int(m.group(1))
    for pct, value, unit in re.findall(r"^\s+(50|75|90|99)%\s+([\d.]+)(us|ms|s|m)\s*$", text, re.M):
        result[f"p{pct}_ms"] = float(value) * UNITS[unit]
    if m := re.search(r"Non-2xx or 3xx responses: (\d+)", text):
        result["non2xx"] = int(m.group(1))
    if m := re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text):
        result["socket_errors"] = sum(int(g) for g in m.groups())
    return result


def wrk(url: str, cookie: str = "", duration: int = DURATION, quiet: bool = False) -> dict:
    cmd = ["wrk", "-t", str(THREADS), "-c", str(CONNS), "-d", f"{duration}s", "--latency", "--timeout", "5s"]
    if cookie:
        cmd += ["-H", f"Cookie: session={cookie}"]
    text = client(*cmd, url, timeout=duration + 60)
    if not quiet:
        log(text.rstrip())
    return parse_wrk(text)


# --- CPU per layer: cgroup (v1 cpuacct or v2 cpu.stat) of each container, dockerd, the machine ---

SERVICES = ("nginx", "web", "ws", "db-api", "redis", "mysql", "bench-hello", "bench-echo",
            "bench-dbapi-newconn", "bench-dbapi-newconn-tls")  # fmt: skip
CONTAINERS: dict[str, list[str]] = {}


def refresh_containers() -> None:
    CONTAINERS.clear()
    for service in SERVICES:
        CONTAINERS[service] = container_ids(service)
    CONTAINERS["client (wrk, wsbench)"] = [run(["docker", "inspect", "-f", "{{.Id}}", CLIENT]).strip()]


def container_cpu_ns(container: str) -> int:
    for path in (
        f"/sys/fs/cgroup/cpuacct/docker/{container}/cpuacct.usage",
        f"/sys/fs/cgroup/cpu,cpuacct/docker/{container}/cpuacct.usage",
    ):
        try:
            return int(Path(path).read_text())
        except OSError:
            continue
    for path in (
        f"/sys/fs/cgroup/system.slice/docker-{container}.scope/cpu.stat",
        f"/sys/fs/cgroup/docker/{container}/cpu.stat",
    ):
        try:
            for line in Path(path).read_text().splitlines():
                if line.startswith("usage_usec "):
                    return int(line.split()[1]) * 1000
        except OSError:
            continue
    return 0


def process_cpu_ns(name: str) -> int:
    total = 0
    tick = os.sysconf("SC_CLK_TCK")
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if Path(f"/proc/{pid}/comm").read_text().strip() != name:
                continue
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) * 1_000_000_000 // tick
    return total


def machine_busy_ns() -> int:
    fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    busy = sum(fields[:8]) - fields[3] - fields[4]  # all but idle and iowait
    return busy * 1_000_000_000 // os.sysconf("SC_CLK_TCK")


def cpu_snapshot() -> dict[str, int]:
    snap = {name: sum(container_cpu_ns(c) for c in ids) for name, ids in CONTAINERS.items()}
    snap["dockerd (logs, proxy)"] = process_cpu_ns("dockerd") + process_cpu_ns("containerd")
    snap["machine"] = machine_busy_ns()
    return snap


IDLE_RATE: dict[str, float] = {}  # ns of CPU per second per key with the stack idle (healthchecks, ...)


def measure_idle(seconds: float = 10.0) -> None:
    refresh_containers()
    before, started = cpu_snapshot(), time.monotonic()
    time.sleep(seconds)
    after, elapsed = cpu_snapshot(), time.monotonic() - started
    IDLE_RATE.update({k: (after[k] - before.get(k, 0)) / elapsed for k in after})
    busy = ", ".join(f"{k} {v / 1e7:.1f}%" for k, v in IDLE_RATE.items() if v >= 1e6)
    log(f"idle CPU (of one core) over {seconds:.0f} s, subtracted from every run: {busy}")


def cpu_per_request(before: dict[str, int], after: dict[str, int], requests: int, elapsed: float) -> dict:
    """CPU µs per request for each key, less what the key burns when idle (healthchecks)."""
    if not requests:
        return {}
    per = {k: (after[k] - before.get(k, 0) - IDLE_RATE.get(k, 0) * elapsed) / 1000 / requests for k in after}
    per["outside the bench stack"] = per.pop("machine") - sum(per.values())
    return per


# --- WebSocket client -------------------------------------------------------------


def last_json(text: str) -> dict:
    for line in reversed(text.strip().splitlines()):
        if line.startswith("{"):
            return json.loads(line)
    raise SystemExit(f"bench: no JSON result in:\n{text}")


def ws_ping(url: str, cookie: str = "", duration: float = DURATION, conns: int = CONNS) -> dict:
    args = [
        "python",
        "/bench/tools/wsbench.py",
        "ping",
        url,
        "--conns",
        str(conns),
        "--duration",
        str(duration),
    ]
    if cookie:
        args += ["--cookie", cookie]
    text = client(*args, timeout=duration + 120)
    result = last_json(text)
    result["rps"] = result["rate"]
    log(f"  ws ping {url}: {json.dumps(result)}")
    return result


# --- peers and interleaved rounds -------------------------------------------------


class Peer:
    def __init__(
        self, name: str, label: str, url: str, cookie: str = "", marker: str = "", kind: str = "wrk"
    ):
        self.name, self.label, self.url, self.cookie, self.marker, self.kind = (
            name,
            label,
            url,
            cookie,
            marker,
            kind,
        )

    def check(self) -> None:
        if self.kind != "wrk":
            return
        args = ["python", "/bench/tools/check.py", self.url, self.cookie, self.marker]
        done = subprocess.run(["docker", "exec", CLIENT, *args], capture_output=True, text=True, check=False)
        log(done.stdout.strip() or done.stderr.strip())
        if done.returncode != 0:
            raise SystemExit(f"bench: peer {self.name} does not answer as expected")

    def measure(self, duration: int = DURATION, quiet: bool = False) -> dict:
        before, started = cpu_snapshot(), time.monotonic()
        if self.kind == "ws":
            result = ws_ping(self.url, self.cookie, duration)
            count = result.get("round_trips", 0)
        else:
            result = wrk(self.url, self.cookie, duration, quiet)
            count = result.get("requests", 0)
        result["cpu_us"] = cpu_per_request(before, cpu_snapshot(), count, time.monotonic() - started)
        return result


def check_dns() -> None:
    """Docker's embedded DNS forgets existing networks' names when the engine joins or leaves a
    swarm (e.g. scripts/test-swarm.sh running meanwhile): stop with a clear message then."""
    done = subprocess.run(
        ["docker", "exec", CLIENT, "getent", "hosts", "nginx", "web", "db-api", "bench-hello"],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0 or len(done.stdout.splitlines()) < 4:
        raise SystemExit(
            "bench: Docker's embedded DNS no longer resolves the bench stack's service names (an engine"
            " joining or leaving a swarm meanwhile does this); re-run `make bench`"
        )


def interleaved(title: str, peers: list[Peer]) -> dict[str, list[dict]]:
    log(f"\n=== {title} ===")
    check_dns()
    refresh_containers()
    for peer in peers:
        peer.check()
    for peer in peers:
        log(f"--- warm-up {peer.name} ({WARMUP} s, not counted)")
        peer.measure(WARMUP, quiet=True)
    runs: dict[str, list[dict]] = {peer.name: [] for peer in peers}
    for round_no in range(1, ROUNDS + 1):
        for peer in peers:
            log(f"--- round {round_no}/{ROUNDS}: {peer.name} = {peer.label}: {peer.url}")
            result = peer.measure()
            result["round"] = round_no
            runs[peer.name].append(result)
            cpu = ", ".join(f"{k} {v:.0f}" for k, v in result["cpu_us"].items() if abs(v) >= 1)
            log(f"    -> {result.get('rps', 0):.0f}/s p99 {result.get('p99_ms', 0):.1f} ms")
            log(f"    CPU µs per request: {cpu}")
    return runs


def median(runs: list[dict], key: str = "rps") -> float:
    values = [r[key] for r in runs if key in r]
    return statistics.median(values) if values else 0.0


def errors_of(runs: list[dict]) -> int:
    return sum(r.get("non2xx", 0) + r.get("socket_errors", 0) + r.get("errors", 0) for r in runs)


# --- helpers run inside the stack's containers ----------------------------------

RSS_SCRIPT = r"""
import json, os
workers = []
for pid in filter(str.isdigit, os.listdir("/proc")):
    try:
        status = open(f"/proc/{pid}/status").read()
    except OSError:
        continue
    fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
    if fields.get("PPid", "").strip() == "1":
        workers.append({"pid": int(pid), "rss_kb": int(fields["VmRSS"].split()[0])})
for w in workers:
    try:
        fds = os.listdir(f"/proc/{w['pid']}/fd")
    except OSError:
        fds = []
    w["sockets"] = sum(1 for fd in fds if os.readlink(f"/proc/{w['pid']}/fd/{fd}").startswith("socket:"))
sockets = sum(w["sockets"] for w in workers)
print(json.dumps({"workers": workers, "open_sockets": sockets}))
"""

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


def rss(container: str) -> dict:
    text = run(["docker", "exec", container, "python", "-c", RSS_SCRIPT])
    data = last_json(text)
    data["rss_kb"] = sum(w["rss_kb"] for w in data["workers"])
    return data


# --- profiles -----------------------------------------------------------------------

# Leaf frames that are a thread waiting, not working: py-spy's idle detection misses them in
# these containers (gthread's idle pool threads, the selector, blocking reads of a reply).
WAITING = ("EpollSelector.select", "_worker (concurrent/futures/thread.py", "SocketIO.readinto (socket.py",
           "Condition.wait", "Event.wait", "Thread._wait_for_tstate_lock", "sleep (")  # fmt: skip
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


def profile(label: str, url: str, cookie: str, services: tuple[str, ...], out: Path) -> dict:
    """py-spy record on every worker of ``services`` while wrk loads ``url``."""
    log(f"\n=== profile: {label} under load, py-spy record {PROFILE_S} s on {', '.join(services)} ===")
    check_dns()
    load = subprocess.Popen(
        ["docker", "exec", CLIENT, "wrk", "-t", str(THREADS), "-c", str(CONNS), "-d", f"{PROFILE_S + 6}s",
         "-H", f"Cookie: session={cookie}", url],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    time.sleep(2)
    spies = {}
    for service in services:
        name = f"profile-{label.split()[0]}-{service}.txt"
        (out / name).unlink(missing_ok=True)
        spies[service] = (name, subprocess.Popen(
            ["docker", "run", "--rm", "--pid", f"container:{container_ids(service)[0]}",
             "--cap-add", "SYS_PTRACE",
             "-v", f"{out.resolve()}:/out", IMAGE, "py-spy", "record", "--pid", "1", "--subprocesses",
             "--duration", str(PROFILE_S), "--rate", "97", "--nonblocking", "--format", "raw",
             "--output", f"/out/{name}", *GIL_ONLY.get(service, [])],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        ))  # fmt: skip
    result: dict = {"label": label, "url": url}
    for service, (name, spy) in spies.items():
        text, _ = spy.communicate(timeout=PROFILE_S + 120)
        log(f"py-spy {service}: {' '.join(text.split())[-200:]}")
        result[service] = parse_profile(out / name)
    text, _ = load.communicate(timeout=PROFILE_S + 60)
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


# --- the figures ----------------------------------------------------------------------


def seed() -> dict:
    data = last_json(client("python", "/bench/tools/seed.py", NGINX, timeout=120))
    log(
        f"seed: room {data['room']} with {data['messages']} messages, broadcast room {data['broadcast_room']}"
    )
    return data


def figure_p4_connect() -> dict:
    text = run(["docker", "compose", "exec", "-T", "db-api", "python", "-"], stdin=CONNECT_SCRIPT)
    data = last_json(text)
    log(f"MariaDB connect cost (PyMySQL, 40 connects each, medians): {json.dumps(data)}")
    return data


def hold_sockets(url: str, cookie: str, ids: list[str], messages: int) -> dict:
    """Open SOCKETS sockets, read the workers' RSS with them idle, then send ``messages`` broadcasts."""
    before = {c: rss(c) for c in ids}
    log(f"RSS before: {json.dumps(before)}")
    cmd = ["docker", "exec", "-i", CLIENT, "python", "/bench/tools/wsbench.py", "broadcast", url,
           "--sockets", str(SOCKETS), "--procs", "2", "--messages", str(messages), "--interval", "0.2",
           "--grace", "2" if messages else "0", "--wait-stdin"]  # fmt: skip
    if cookie:
        cmd += ["--cookie", cookie]
    proc = subprocess.Popen(
        cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    assert proc.stdin is not None and proc.stdout is not None
    ready = ""
    for line in proc.stdout:
        log(f"  {line.rstrip()}")
        if line.startswith("READY"):
            ready = line
            break
    if not ready:
        raise SystemExit("bench: the WebSocket client never got its sockets open")
    _, opened, connect_errors, connect_s = ready.split()
    time.sleep(5)  # idle: presence settles, buffers drain
    after = {c: rss(c) for c in ids}
    log(f"RSS with {opened} idle sockets: {json.dumps(after)}")
    proc.stdin.write("go\n")
    proc.stdin.flush()
    rest, _ = proc.communicate(timeout=messages * 0.2 + 120)
    log(rest.rstrip())
    result = last_json(rest)
    delta_kb = sum(after[c]["rss_kb"] - before[c]["rss_kb"] for c in ids)
    result["memory"] = {
        "before_kb": {c[:12]: before[c]["rss_kb"] for c in ids},
        "after_kb": {c[:12]: after[c]["rss_kb"] for c in ids},
        "sockets_per_replica": {c[:12]: after[c]["open_sockets"] for c in ids},
        "sockets": int(opened),
        "delta_kb": delta_kb,
        "kb_per_socket": delta_kb / max(1, int(opened)),
    }
    result["connect_errors"] = int(connect_errors)
    result["connect_s"] = float(connect_s)
    log(f"+{delta_kb} KB over {opened} sockets = {result['memory']['kb_per_socket']:.1f} KB per socket")
    return result


def broadcast_and_memory(cookie: str, room: str) -> dict:
    log(f"\n=== P7/P9: {SOCKETS} sockets in one room over 2 ws replicas ===")
    check_dns()
    compose("up", "-d", "--wait", "--no-recreate", "--scale", "ws=2", "ws")
    reload_nginx()
    ids = container_ids("ws")
    log(f"ws replicas: {len(ids)}")
    ulimits = {c: run(["docker", "exec", c, "sh", "-c", "ulimit -n"]).strip() for c in ids}
    log(f"ws nofile ulimit per replica: {ulimits}")
    url = f"ws://nginx:8080/ws/rooms/{room}"
    ws_ping(url, cookie, duration=1, conns=20)  # warm both replicas (imports, pools)
    time.sleep(2)
    result = hold_sockets(url, cookie, ids, BROADCASTS)
    result["memory"]["ulimit_nofile"] = sorted(set(ulimits.values()))
    compose("up", "-d", "--wait", "--no-recreate", "--scale", "ws=1", "ws")
    reload_nginx()
    log(f"\n=== P9 reference: {SOCKETS} idle sockets on the bare gevent-websocket echo ===")
    echo = container_ids("bench-echo")
    ws_ping("ws://nginx:8080/bench/ws/echo", duration=1, conns=20)
    time.sleep(2)
    result["echo_memory"] = hold_sockets("ws://nginx:8080/bench/ws/echo", "", echo, 0)["memory"]
    return result


def loadtest(out: Path) -> dict:
    load = f"{LOADTEST_USERS} users, {LOADTEST_SPAWN}/s, {LOADTEST_DURATION}"
    log(f"\n=== P8: make loadtest's default mix ({load}) ===")
    env = dict(os.environ, LOADTEST_TARGET="current", SUMMARY_LINES="60")
    env.update(USERS=LOADTEST_USERS, SPAWN_RATE=LOADTEST_SPAWN, DURATION=LOADTEST_DURATION)
    done = subprocess.run(["scripts/loadtest.sh"], capture_output=True, text=True, env=env, check=False)
    text = done.stdout + done.stderr
    log(text.rstrip())
    (out / "loadtest.log").write_text(text)
    problems = re.findall(r"threshold failed: (.*)", text)
    aggregated = re.findall(r"^\s*Aggregated\s+(.*)$", text, re.M)
    return {"exit_code": done.returncode, "problems": problems, "aggregated": aggregated[:2]}


def replicas_sweep(cookie: str, room: str) -> list[dict]:
    """The room page and db-api GET messages with 1, 2 and 3 replicas of web and db-api."""
    log("\n=== Replicas: 1, 2, 3 of web and db-api ===")
    rows = []
    for n in (1, 2, 3):
        compose(
            "up",
            "-d",
            "--wait",
            "--no-recreate",
            "--scale",
            f"web={n}",
            "--scale",
            f"db-api={n}",
            "web",
            "db-api",
        )
        reload_nginx()
        page = [wrk(f"{NGINX}/rooms/{room}", cookie) for _ in range(ROUNDS)]
        api = [wrk(f"{NGINX}/api/v1/rooms/{room}/messages?limit=50", cookie) for _ in range(ROUNDS)]
        rows.append({
            "replicas": n,
            "page_rps": median(page), "page_p99_ms": median(page, "p99_ms"),
            "api_rps": median(api), "api_p99_ms": median(api, "p99_ms"),
            "errors": errors_of(page) + errors_of(api),
        })  # fmt: skip
    compose("up", "-d", "--wait", "--no-recreate", "--scale", "web=1", "--scale", "db-api=1", "web", "db-api")
    reload_nginx()
    return rows


def replicas_section(r: dict) -> list[str]:
    rows = r["figures"].get("replicas")
    if not rows:
        return []
    lines = [
        "## Replicas on one machine",
        "",
        "Through Nginx, wrk as above, medians; `make scale` between the rows (docs/scaling.md).",
        "",
        "| replicas (web, db-api) | room page req/s | p99 ms | db-api GET messages req/s | p99 ms | errors |",
        "|---|---|---|---|---|---|",
    ]
    for row in rows:
        lines.append(
            f"| {row['replicas']} | {row['page_rps']:,.0f} | {row['page_p99_ms']:.0f} "
            f"| {row['api_rps']:,.0f} | {row['api_p99_ms']:.0f} | {row['errors']} |"
        )
    return [*lines, ""]


def machine() -> dict:
    def sh(cmd: str) -> str:
        done = subprocess.run(["sh", "-c", cmd], capture_output=True, text=True, check=False)
        return (done.stdout or done.stderr).strip()

    def in_service(service: str, cmd: str) -> str:
        done = subprocess.run(
            ["docker", "compose", "exec", "-T", service, "sh", "-c", cmd],
            capture_output=True,
            text=True,
            check=False,
        )
        return (
            (done.stdout + done.stderr).strip().splitlines()[0]
            if (done.stdout + done.stderr).strip()
            else "?"
        )

    pip_versions = (
        'python -c "import importlib.metadata as m, sys; print(sys.version.split()[0], '
        "' '.join(f'{p}=={m.version(p)}' for p in sys.argv[1:]))\" "
    )
    info = {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": sh("nproc") + " cores, " + sh("grep -m1 'model name' /proc/cpuinfo | cut -d: -f2").strip(),
        "memory": sh("free -h | awk '/^Mem:/ {print $2}'"),
        "kernel": sh("uname -sr"),
        "os": sh(". /etc/os-release && echo $PRETTY_NAME"),
        "docker": sh("docker version --format 'engine {{.Server.Version}}'")
        + ", "
        + sh("docker compose version"),
        "loadavg": sh("cat /proc/loadavg"),
        "other_containers": sh(f"docker ps --format '{{{{.Names}}}}' | grep -vc '^{PROJECT}' || true"),
        "nginx": in_service("nginx", "nginx -v 2>&1"),
        "web": in_service("web", pip_versions + "flask werkzeug gunicorn gevent redis jinja2"),
        "ws": in_service("ws", pip_versions + "gunicorn gevent gevent-websocket"),
        "db-api": in_service("db-api", pip_versions + "gunicorn pymysql dbutils"),
        "redis": in_service("redis", "redis-server --version"),
        "mariadb": in_service("mysql", "mariadbd --version || mysqld --version"),
        "bench client": run(["docker", "exec", CLIENT, "sh", "-c", "wrk --version 2>&1 | head -1"]).strip()
        + "; "
        + run(["docker", "exec", CLIENT, "sh", "-c", pip_versions + "websockets py-spy"]).strip(),
    }
    images = set()
    for service in ("nginx", "web", "ws", "db-api", "redis", "mysql"):
        for container in container_ids(service):
            ref = run(["docker", "inspect", "-f", "{{.Config.Image}}", container]).strip()
            image_id = run(["docker", "inspect", "-f", "{{.Image}}", container]).strip()
            images.add(f"{ref} ({image_id.removeprefix('sha256:')[:12]})")
    info["images"] = sorted(images)
    return info


# --- the report ---------------------------------------------------------------------------


def verdict(value: float | None, goal: float, higher_is_better: bool) -> str:
    if value is None:
        return "not measured"
    ok = value >= goal if higher_is_better else value <= goal
    return "meets" if ok else "**misses**"


def write_doc(path: Path, r: dict) -> None:
    f = r["figures"]
    m = r["machine"]
    rows = []

    def add(
        fid: str,
        what: str,
        value: float | None,
        fmt: str,
        goal_text: str,
        goal: float,
        higher: bool,
        detail: str,
    ):
        shown = "n/a" if value is None else fmt.format(value)
        rows.append(f"| {fid} | {what} | {shown} | {goal_text} | {verdict(value, goal, higher)} | {detail} |")

    def rate(name: str) -> str:
        runs = r["runs"].get(name, [])
        return f"{median(runs):,.0f}/s" if runs else "n/a"

    def ratio(a: str, b: str) -> float | None:
        ra, rb = r["runs"].get(a), r["runs"].get(b)
        return median(ra) / median(rb) if ra and rb and median(rb) else None

    add(
        "P1",
        "web `/health` through Nginx ÷ direct to gunicorn (web:8000)",
        ratio("health_nginx", "health_direct"),
        "{:.2f}",
        "≥ 0.85",
        0.85,
        True,
        f"{rate('health_nginx')} vs {rate('health_direct')}",
    )
    add(
        "P2",
        "logged-in room page (50 messages) ÷ bare Flask hello, both through Nginx",
        ratio("room_nginx", "hello_nginx"),
        "{:.2f}",
        "≥ 0.25",
        0.25,
        True,
        f"{rate('room_nginx')} vs {rate('hello_nginx')} (hello direct {rate('hello_direct')})",
    )
    add(
        "P3",
        "`/` with a session cookie ÷ `/` without, through Nginx",
        ratio("home_session", "home_anon"),
        "{:.2f}",
        "≥ 0.70",
        0.70,
        True,
        f"{rate('home_session')} vs {rate('home_anon')}",
    )
    p4_detail = (
        f"{rate('api_pool')} vs {rate('api_newconn')}; new connection with TLS on: {rate('api_newconn_tls')}"
    )
    if c := f.get("connect"):
        p4_detail += (
            f"; one connect: TLS off {c['tls_off']['wall_ms']:.2f} ms ({c['tls_off']['cpu_ms']:.2f} ms CPU), "
            f"TLS on {c['tls_on']['wall_ms']:.2f} ms ({c['tls_on']['cpu_ms']:.2f} ms CPU, "
            f"cipher {c['tls_on']['cipher']})"
        )
    add(
        "P4",
        "db-api `GET messages` pooled ÷ new connection per request (TLS off), direct",
        ratio("api_pool", "api_newconn"),
        "{:.2f}x",
        "≥ 2x",
        2.0,
        True,
        p4_detail,
    )
    api = r["runs"].get("api_nginx")
    add(
        "P5",
        f"db-api `GET messages` p99 at {CONNS} connections, through Nginx",
        median(api, "p99_ms") if api else None,
        "{:.1f} ms",
        "≤ 50 ms",
        50,
        False,
        f"{rate('api_nginx')}, p50 {median(api, 'p50_ms'):.1f} ms" if api else "",
    )
    add(
        "P6",
        "WS ping→pong round trips/s: ws ÷ bare gevent-websocket echo, both through Nginx",
        ratio("ws_ping", "echo_ping"),
        "{:.2f}",
        "≥ 0.70",
        0.70,
        True,
        f"{rate('ws_ping')} vs {rate('echo_ping')} ({CONNS} sockets)",
    )
    b = f.get("broadcast")
    add(
        "P7",
        f"WS broadcast, {SOCKETS} sockets in one room on 2 ws replicas: send → last receipt p99",
        b["p99_ms"] if b else None,
        "{:.1f} ms",
        "≤ 100 ms",
        100,
        False,
        (
            f"p50 {b['p50_ms']:.1f} ms, max {b['max_ms']:.1f} ms over {b['messages']} messages "
            f"(send → first receipt p50 {b.get('first_p50_ms', 0):.1f} ms, "
            f"p99 {b.get('first_p99_ms', 0):.1f} ms); "
            f"{b['sockets']} sockets opened in {b['connect_s']:.1f} s, {b['missed_receipts']} receipts missed"
        )
        if b
        else "",
    )
    lt = f.get("loadtest")
    if lt:
        passed = lt["exit_code"] == 0
        detail = "; ".join(lt["problems"]) or "all thresholds held"
        rows.append(
            f"| P8 | `make loadtest` default mix ({LOADTEST_USERS} users, spawn {LOADTEST_SPAWN}/s, "
            f"{LOADTEST_DURATION}) holds its thresholds "
            f"| {'pass' if passed else 'fail'} (exit {lt['exit_code']}) "
            f"| thresholds hold | {'meets' if passed else '**misses**'} | {detail} |"
        )
    else:
        rows.append(
            "| P8 | `make loadtest` default mix holds its thresholds | n/a | thresholds hold | n/a | |"
        )
    mem = b.get("memory") if b else None
    echo = b.get("echo_memory") if b else None
    echo_kb = f"{echo['kb_per_socket']:.1f} KB per socket" if echo else "n/a"
    add(
        "P9",
        "ws worker RSS per idle open socket ((RSS with sockets - without) ÷ sockets)",
        mem["kb_per_socket"] if mem else None,
        "{:.1f} KB",
        "≤ 30 KB",
        30,
        False,
        (
            f"+{mem['delta_kb']:,} KB over {mem['sockets']} sockets on 2 replicas (worker RSS before "
            f"{', '.join(f'{v:,}' for v in mem['before_kb'].values())} KB, after "
            f"{', '.join(f'{v:,}' for v in mem['after_kb'].values())} KB; sockets held per worker "
            f"{', '.join(str(v) for v in mem['sockets_per_replica'].values())}); bare gevent-websocket "
            f"echo: {echo_kb}"
        )
        if mem
        else "",
    )

    lines = [
        "# Benchmarks",
        "",
        "Written by `make bench` (`bench/run.sh` → `bench/bench.py`); do not edit by hand, re-run it.",
        f"Last run: {m['date']}, {ROUNDS} interleaved rounds (A, B, A, B, …) of {DURATION} s per peer, "
        f"wrk `-t{THREADS} -c{CONNS}`, medians. Every run is printed in full and kept in "
        "`test-output/bench/bench.log`.",
        "",
        "The harness starts its own stack (project `roomservice-bench`, port 18090, its own volumes,"
        " write rate limits raised) with the bench-only overlay `deploy/bench/compose.bench.yaml`"
        " (SYS_PTRACE for py-spy; the bare peers `bench-hello`, `bench-echo`, `bench-dbapi-newconn[-tls]`"
        " and their Nginx locations), drives it from a client container on its `front` network,"
        " and removes it at the end. Figures are information, not tests: missing a goal does not"
        " fail `make bench`.",
        "",
        "**Noise:** this is a 2-core machine on which the client, Nginx, the services, Redis and"
        " MariaDB all share the same cores"
        f" (load average at the start: `{m['loadavg']}`; other containers running: {m['other_containers']})."
        " Throughput ratios are more stable than absolute rates; re-run on a quiet machine before"
        " comparing with another run.",
        "",
        "## Figures",
        "",
        "| id | figure | measured | goal | verdict | details (medians) |",
        "|---|---|---|---|---|---|",
        *rows,
        "",
    ]
    lines += layer_section(r)
    lines += replicas_section(r)
    lines += [
        "## Machine and versions",
        "",
        "| what | value |",
        "|---|---|",
        *(
            f"| {k} | {v if not isinstance(v, list) else ', '.join(v)} |"
            for k, v in m.items()
            if k != "loadavg"
        ),
        "",
        "## All runs",
        "",
        "| peer | what | runs (req/s or round trips/s; p99 ms) | median |",
        "|---|---|---|---|",
    ]
    for name, runs in r["runs"].items():
        shown = ", ".join(f"{x.get('rps', 0):,.0f} ({x.get('p99_ms', 0):.1f})" for x in runs)
        errs = errors_of(runs)
        lines.append(
            f"| `{name}` | {r['labels'].get(name, '')} | {shown}{f'; **{errs} errors**' if errs else ''} "
            f"| {median(runs):,.0f} |"
        )
    lines += [
        "",
        "## How to run",
        "",
        "```sh",
        "make bench                      # ~11 min on 2 cores",
        "BENCH_DURATION=2 BENCH_ROUNDS=1 BENCH_SKIP='p8' make bench   # quick look",
        "python3 bench/bench.py --render-only   # rewrite this file from test-output/bench/results.json",
        "```",
        "",
    ]
    path.write_text("\n".join(lines))
    log(f"\nbench: wrote {path}")
    log("\n".join(rows))


OUTSIDE = "outside the bench stack"
COLUMNS = (*SERVICES, "client (wrk, wsbench)", "dockerd (logs, proxy)", OUTSIDE)


def cpu_medians(r: dict) -> dict[str, dict[str, float]]:
    """Per peer: the median over its rounds of each container's CPU µs per request."""
    medians = {}
    for peer, runs in r["runs"].items():
        keys = {k for x in runs for k in x.get("cpu_us", {})}
        medians[peer] = {k: statistics.median(x.get("cpu_us", {}).get(k, 0) for x in runs) for k in keys}
    return medians


def layer_section(r: dict) -> list[str]:
    med = cpu_medians(r)

    def cpu(peer: str, *containers: str) -> float | None:
        if peer not in med:
            return None
        return sum(med[peer].get(c, 0) for c in containers)

    def show(value: float | None) -> str:
        return "n/a" if value is None else f"{value:,.0f} µs"

    def minus(a: float | None, b: float | None) -> float | None:
        return None if a is None or b is None else a - b

    logs = "dockerd (logs, proxy)"
    rows = (
        ("Nginx, per proxied request", "nginx's CPU, `/health` through Nginx", cpu("health_nginx", "nginx")),
        ("gunicorn gevent + Flask floor", "bench-hello's CPU per bare hello",
         cpu("hello_nginx", "bench-hello")),
        ("web `/health` (servicekit hooks, JSON access log)", "web's CPU, `/health` direct",
         cpu("health_direct", "web")),
        ("Docker log handling per proxied request", "dockerd + containerd, `/health` through Nginx",
         cpu("health_nginx", logs)),
        ("session read (Redis GET) + logged-in page", "web + Redis, `/` with cookie - without",
         minus(cpu("home_session", "web", "redis"), cpu("home_anon", "web", "redis"))),
        ("room page: web (2 db-api calls, template, forms)", "web's CPU per room page",
         cpu("room_nginx", "web")),
        ("room page: db-api for its 2 internal calls", "db-api's CPU per room page",
         cpu("room_nginx", "db-api")),
        ("room page: MariaDB + Redis", "mysql + redis per room page", cpu("room_nginx", "mysql", "redis")),
        ("room page: logs (4 lines: nginx, web, 2x db-api)", "dockerd + containerd per room page",
         cpu("room_nginx", logs)),
        ("db-api `GET messages` (session, pool, query, JSON)", "db-api's CPU, direct, pooled",
         cpu("api_pool", "db-api")),
        ("MariaDB per `GET messages`", "mysql's CPU, pooled", cpu("api_pool", "mysql")),
        ("a new connection per request, TLS off", "(app + mysql) new connection - pooled",
         minus(cpu("api_newconn", "bench-dbapi-newconn", "mysql"), cpu("api_pool", "db-api", "mysql"))),
        ("TLS on that new connection", "(app + mysql) TLS on - TLS off",
         minus(cpu("api_newconn_tls", "bench-dbapi-newconn-tls", "mysql"),
               cpu("api_newconn", "bench-dbapi-newconn", "mysql"))),
        ("ws per ping round trip", "ws's CPU", cpu("ws_ping", "ws")),
        ("bare gevent-websocket per round trip", "bench-echo's CPU", cpu("echo_ping", "bench-echo")),
        ("Nginx per WebSocket round trip", "nginx's CPU, ws ping", cpu("ws_ping", "nginx")),
    )  # fmt: skip
    lines = [
        "## Where the time goes",
        "",
        "CPU time per request by layer, measured: the cgroup CPU of each container (and of dockerd +"
        " containerd) during the runs above, less its idle rate (healthchecks), divided by the"
        " requests served; medians over the rounds. Kernel networking is charged to whichever"
        " process was on the CPU, mostly the sender.",
        "",
        "| layer | measured as | CPU per request |",
        "|---|---|---|",
        *(f"| {layer} | {how} | {show(value)} |" for layer, how, value in rows),
        "",
    ]
    used = [c for c in COLUMNS if any(abs(m.get(c, 0)) >= 20 for m in med.values()) or c == OUTSIDE]
    lines += [
        "### CPU per request, by container",
        "",
        "All peers (µs per request or round trip; `·` under 5 µs). The last column is other work on"
        " the machine (other stacks, less their idle rate): noise, large when the machine was busy.",
        "",
        "| peer | " + " | ".join(used) + " | bench stack total |",
        "|---|" + "---:|" * (len(used) + 1),
    ]
    for peer, m in med.items():
        inside = sum(v for k, v in m.items() if k != OUTSIDE)
        cells = " | ".join(f"{m.get(c, 0):,.0f}" if abs(m.get(c, 0)) >= 5 else "·" for c in used)
        lines.append(f"| `{peer}` | {cells} | {inside:,.0f} |")
    lines.append("")
    notes = Path(__file__).with_name("NOTES.md")
    if notes.exists():
        lines += [notes.read_text().strip(), ""]
    for prof in r["figures"].get("profiles", []):
        load = prof.get("load", {})
        lines += [
            f"### py-spy: {prof['label']}",
            "",
            f"`py-spy record --subprocesses --nonblocking` (db-api: `--gil`, the GIL holder only) at 97 Hz"
            f" for {PROFILE_S} s on every worker"
            f" while wrk loaded `{prof['url'].replace(NGINX, '')}` ({load.get('rps', 0):,.0f} req/s under"
            " the profiler). Shares of on-CPU samples (samples whose innermost frame is a wait, such as"
            " idle gthread threads, the selector or a blocking read, are left out), by the library of the"
            " innermost frame:",
            "",
        ]
        for service in ("web", "db-api"):
            data = prof.get(service)
            if data is None:
                continue
            total = data.get("samples", 0)
            if not total:
                lines += [f"- {service}: no samples (py-spy failed; see bench.log)", ""]
                continue
            shares = ", ".join(
                f"{name} {100 * n / total:.0f}%" for name, n in data["layers"] if n / total >= 0.02
            )
            inc = ", ".join(
                f"{k} {100 * v / total:.0f}%"
                for k, v in sorted(data["inclusive"].items(), key=lambda kv: -kv[1])
            )
            lines += [
                f"**{service}** ({total} on-CPU samples, {data.get('waiting', 0)} waiting): {shares}.",
                "",
                f"With the frame anywhere on the stack: {inc}.",
                "",
                "| self | function (file:line) |",
                "|---|---|",
                *(f"| {100 * n / total:.1f}% | `{fn}` |" for fn, n in data["functions"][:8]),
                "",
            ]
    return lines


def main() -> None:
    global LOG
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default="test-output/bench")
    parser.add_argument("--doc", default="docs/benchmarks.md")
    parser.add_argument("--render-only", action="store_true", help="rewrite the doc from <out>/results.json")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    if args.render_only:
        saved = json.loads((out / "results.json").read_text())
        globals().update(saved.get("settings", {}))
        write_doc(Path(args.doc), saved)
        return
    LOG = open(out / "bench.log", "w", encoding="utf-8")  # noqa: SIM115 - open for the whole run
    started = time.time()
    results: dict = {"runs": {}, "labels": {}, "figures": {}}
    check_dns()
    measure_idle()
    data = seed()
    cookie, room, broadcast_room = data["cookie"], data["room"], data["broadcast_room"]
    api_path = f"/api/v1/rooms/{room}/messages?limit=50"

    def group(fid: str, title: str, peers: list[Peer]) -> None:
        if fid in SKIP:
            log(f"\n=== {title}: skipped (BENCH_SKIP) ===")
            return
        for peer in peers:
            results["labels"][peer.name] = peer.label
        results["runs"].update(interleaved(title, peers))

    group(
        "p1",
        "P1 Nginx ÷ direct on /health",
        [
            Peer("health_nginx", "web /health through Nginx", f"{NGINX}/health"),
            Peer("health_direct", "web /health direct (web:8000)", "http://web:8000/health"),
        ],
    )
    group(
        "p2",
        "P2 room page ÷ bare Flask hello",
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
            Peer("hello_direct", "bare Flask hello direct (bench-hello:8000)", "http://bench-hello:8000/"),
        ],
    )
    group(
        "p3",
        "P3 session ÷ no session on /",
        [
            Peer("home_session", "/ with the session cookie, through Nginx", f"{NGINX}/", cookie),
            Peer("home_anon", "/ without a cookie, through Nginx", f"{NGINX}/"),
        ],
    )
    if "p4" not in SKIP:
        results["figures"]["connect"] = figure_p4_connect()
    group(
        "p4",
        "P4 pool ÷ new connection per request (db-api GET messages, direct)",
        [
            Peer(
                "api_pool",
                "db-api pooled, direct (db-api:8000)",
                f"http://db-api:8000{api_path}",
                cookie,
                '"items"',
            ),
            Peer(
                "api_newconn",
                "new connection per request, TLS off (bench-dbapi-newconn:8000)",
                f"http://bench-dbapi-newconn:8000{api_path}",
                cookie,
                '"items"',
            ),
            Peer(
                "api_newconn_tls",
                "new connection per request, TLS on (bench-dbapi-newconn-tls:8000)",
                f"http://bench-dbapi-newconn-tls:8000{api_path}",
                cookie,
                '"items"',
            ),
        ],
    )
    group(
        "p5",
        "P5 db-api GET messages through Nginx (p99)",
        [
            Peer("api_nginx", "db-api GET messages through Nginx", f"{NGINX}{api_path}", cookie, '"items"'),
        ],
    )
    if "profile" not in SKIP:
        results["figures"]["profiles"] = [
            profile("room page through Nginx", f"{NGINX}/rooms/{room}", cookie, ("web", "db-api"), out),
            profile("db-api GET messages through Nginx", f"{NGINX}{api_path}", cookie, ("db-api",), out),
        ]
    group(
        "p6",
        "P6 WS ping round trips: ws ÷ bare echo",
        [
            Peer(
                "ws_ping",
                "ws /ws/rooms/<slug> ping→pong through Nginx",
                f"ws://nginx:8080/ws/rooms/{room}",
                cookie,
                kind="ws",
            ),
            Peer(
                "echo_ping",
                "bare gevent-websocket echo through Nginx",
                "ws://nginx:8080/bench/ws/echo",
                kind="ws",
            ),
        ],
    )
    if "p7" not in SKIP:
        results["figures"]["broadcast"] = broadcast_and_memory(cookie, broadcast_room)
    if "p8" not in SKIP:
        results["figures"]["loadtest"] = loadtest(out)
    if "replicas" not in SKIP:
        results["figures"]["replicas"] = replicas_sweep(cookie, room)
    results["machine"] = machine()
    results["settings"] = {
        "DURATION": DURATION, "ROUNDS": ROUNDS, "CONNS": CONNS, "THREADS": THREADS, "SOCKETS": SOCKETS,
        "PROFILE_S": PROFILE_S, "LOADTEST_USERS": LOADTEST_USERS, "LOADTEST_SPAWN": LOADTEST_SPAWN,
        "LOADTEST_DURATION": LOADTEST_DURATION,
    }  # fmt: skip
    results["elapsed_s"] = time.time() - started
    (out / "results.json").write_text(json.dumps(results, indent=2))
    write_doc(Path(args.doc), results)
    log(f"bench: measurements took {results['elapsed_s']:.0f} s")


if __name__ == "__main__":
    sys.exit(main())
