"""P10 and P11: many idle sockets, and how many one ws replica can serve (bench/tools/wsfleet.py).

Both open their sockets from one lean client process (wsfleet) through Nginx,
spread over ``BENCH_FLEET_ACCOUNTS`` accounts, into one room; every broadcast
is a real chat message (ws → db-api → MariaDB → Redis → every ws replica).
"""

from __future__ import annotations

import json
import math
import os
import re
import subprocess
import time
from pathlib import Path

from harness.figures.base import Context, Figure
from harness.memory import rss
from harness.shell import (
    CLIENT,
    NGINX,
    check_dns,
    client,
    container_ids,
    last_json,
    log,
    reload_nginx,
    run,
    scale,
)

CURVE_PNG = "benchmarks-p11.png"  # beside docs/benchmarks.md
BROADCAST_TIMEOUT_S = 10.0


class FleetClient:
    """One wsfleet process in the client container, driven line by line."""

    def __init__(self, url: str, cookies: list[str]):
        self.proc = subprocess.Popen(
            ["docker", "exec", "-i", CLIENT, "python", "/bench/tools/wsfleet.py"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.ask({"cmd": "config", "url": url, "cookies": cookies})

    def ask(self, command: dict) -> dict:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(json.dumps(command) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise SystemExit(f"bench: wsfleet ended during {command['cmd']}")
        reply = json.loads(line)
        if command["cmd"] != "config":
            log(
                "  wsfleet "
                + command["cmd"]
                + ": "
                + json.dumps({k: v for k, v in reply.items() if k != "latencies_ms"})
            )
        return reply

    def open(self, count: int) -> dict:
        return self.ask({"cmd": "open", "count": count})

    def broadcast(self, count: int, concurrency: int) -> dict:
        return self.ask(
            {"cmd": "broadcast", "count": count, "concurrency": concurrency, "timeout": BROADCAST_TIMEOUT_S}
        )

    def close(self) -> None:
        try:
            self.ask({"cmd": "close"})
        finally:
            self.proc.wait(timeout=60)


def accounts(ctx: Context) -> list[str]:
    if "fleet_cookies" not in ctx.seed:
        n = ctx.settings.fleet_accounts
        log(f"seeding {n} accounts for the socket fleet")
        ctx.seed["fleet_cookies"] = last_json(
            client("python", "/bench/tools/seed.py", NGINX, "--accounts", str(n), timeout=60 + 5 * n)
        )["cookies"]
    return ctx.seed["fleet_cookies"]


def limits(ids: list[str]) -> dict:
    """The limits a user raises for this many sockets, as the containers see them."""
    nginx = container_ids("nginx")[0]
    conf = run(["docker", "exec", nginx, "nginx", "-T"], check=False)
    connections = next(
        (
            line.split()[1].rstrip(";")
            for line in conf.splitlines()
            if line.strip().startswith("worker_connections")
        ),
        "?",
    )
    return {
        "nginx_worker_connections": connections,
        "nginx_nofile": run(["docker", "exec", nginx, "sh", "-c", "ulimit -n"]).strip(),
        "ws_nofile": sorted({run(["docker", "exec", c, "sh", "-c", "ulimit -n"]).strip() for c in ids}),
        "ws_worker_connections": sorted(
            {
                run(["docker", "exec", c, "sh", "-c", "echo ${WS_WORKER_CONNECTIONS:-4000}"]).strip()
                for c in ids
            }
        ),
    }


def nginx_workers_for(sockets: int) -> int:
    """Nginx workers needed for ``sockets`` WebSockets (two connections each) within worker_connections."""
    conf = Path(os.environ["BENCH_NGINX_CONF"]).read_text()
    per_worker = int(re.search(r"^\s*worker_connections (\d+);", conf, re.M).group(1))
    return max(1, math.ceil((2 * sockets + 500) / per_worker))


def set_nginx_workers(count: int) -> None:
    """``worker_processes`` in the bench's copy of nginx.conf, then a graceful reload.

    The file is rewritten in place (same inode), so the bind mount sees it.
    """
    path = Path(os.environ["BENCH_NGINX_CONF"])
    text = re.sub(r"^worker_processes \S+;", f"worker_processes {count};", path.read_text(), flags=re.M)
    with path.open("r+", encoding="utf-8") as handle:
        handle.write(text)
        handle.truncate()
    reload_nginx()
    log(f"Nginx: {count} worker process(es)")


def measure_p10(ctx: Context) -> None:
    s = ctx.settings
    log(f"\n=== P10: {s.fleet_sockets:,} idle sockets over 2 ws replicas ===")
    check_dns()
    scale(ws=2)
    ids = container_ids("ws")
    cookies = accounts(ctx)
    before = {c: rss(c) for c in ids}
    fleet = FleetClient(f"ws://nginx:8080/ws/rooms/{ctx.seed['fleet_room']}", cookies)
    try:
        opened = fleet.open(s.fleet_sockets)
        time.sleep(5)  # idle: presence settles, buffers drain
        after = {c: rss(c) for c in ids}
        sent = fleet.broadcast(s.fleet_broadcasts, 1)
    finally:
        fleet.close()
    result = {
        "opened": opened,
        "broadcast": sent,
        "limits": limits(ids),
        "total_kb": sum(a["total_kb"] for a in after.values()),
        "total_before_kb": sum(b["total_kb"] for b in before.values()),
        "sockets_per_replica": [a["open_sockets"] for a in after.values()],
    }
    log(
        f"P10: ws total RSS {result['total_kb'] / 1024:.0f} MB with {opened['open']} sockets "
        f"(before {result['total_before_kb'] / 1024:.0f} MB)"
    )
    ctx.results["figures"]["fleet"] = result
    scale(ws=1)


def passes(step: dict, limit_ms: float, share: float) -> bool:
    """websocket-shootout's rule: at least ``share`` of the broadcasts reached everyone within the limit."""
    latencies = step["latencies_ms"]
    within = sum(1 for x in latencies if x is not None and x <= limit_ms)
    return bool(latencies) and within >= math.ceil(share * len(latencies)) and step["missed_receipts"] == 0


def measure_p11(ctx: Context, doc_dir: Path) -> None:
    s = ctx.settings
    log(
        f"\n=== P11: clients one ws replica serves, steps of {s.capacity_step:,} up to {s.capacity_max:,},"
        f" {s.capacity_broadcasters} concurrent broadcasters ==="
    )
    check_dns()
    scale(ws=1)
    ids = container_ids("ws")
    fleet = FleetClient(f"ws://nginx:8080/ws/rooms/{ctx.seed['fleet_room']}", accounts(ctx))
    steps = []
    try:
        target = current = 0
        while target < s.capacity_max:
            target = min(s.capacity_max, target + s.capacity_step)
            opened = fleet.open(target - current)
            current = opened["open"]
            time.sleep(2)
            step = fleet.broadcast(s.capacity_sample, s.capacity_broadcasters)
            step["clients"] = opened["open"]
            step["connect_errors"] = opened["errors"]
            step["rss_kb"] = sum(rss(c)["total_kb"] for c in ids)
            step["passed"] = (
                passes(step, s.capacity_limit_ms, s.capacity_percentile) and opened["open"] >= target
            )
            steps.append(step)
            if not step["passed"]:
                break
    finally:
        fleet.close()
    passed = [x["clients"] for x in steps if x["passed"]]
    ctx.results["figures"]["capacity"] = {
        "steps": steps,
        "limits": limits(ids),
        "capacity": max(passed) if passed and steps[0]["passed"] else 0,
        "reached_max": bool(steps) and steps[-1]["passed"],
    }
    draw_curve(ctx, doc_dir / CURVE_PNG)


def draw_curve(ctx: Context, path: Path) -> None:
    s = ctx.settings
    data = {
        "title": f"P11: one ws replica, {s.capacity_broadcasters} concurrent broadcasters, "
        f"{s.capacity_sample} broadcasts per step",
        "limit_ms": s.capacity_limit_ms,
        "steps": ctx.results["figures"]["capacity"]["steps"],
    }
    done = subprocess.run(
        ["docker", "exec", "-i", CLIENT, "python", "/bench/tools/plot_capacity.py"],
        input=json.dumps(data).encode(),
        capture_output=True,
        check=False,
    )
    if done.returncode != 0:
        log(f"bench: drawing the P11 curve failed: {done.stderr.decode(errors='replace')[-500:]}")
        return
    path.write_bytes(done.stdout)
    log(f"bench: wrote {path}")


def measure(ctx: Context, doc_dir: Path) -> None:
    s = ctx.settings
    wanted = [key for key in ("p10", "p11") if s.wants(key)]
    if not wanted:
        return
    workers = nginx_workers_for(max(s.fleet_sockets if "p10" in wanted else 0, s.capacity_max))
    set_nginx_workers(workers)
    ctx.results["figures"]["fleet_nginx_workers"] = workers
    try:
        if "p10" in wanted:
            measure_p10(ctx)
        if "p11" in wanted:
            measure_p11(ctx, doc_dir)
    finally:
        set_nginx_workers(1)


def _fleet(r: dict) -> dict | None:
    return r["figures"].get("fleet")


def _p10_rss(r: dict) -> float | None:
    f = _fleet(r)
    return f["total_kb"] / 1024 if f else None


def _p10_p99(r: dict) -> float | None:
    f = _fleet(r)
    return f["broadcast"]["last_p99_ms"] if f else None


def _p10_missed(r: dict) -> float | None:
    f = _fleet(r)
    return f["broadcast"]["missed_receipts"] if f else None


def _p10_detail(r: dict) -> str:
    f = _fleet(r)
    if not f:
        return ""
    b, lim = f["broadcast"], f["limits"]
    return (
        f"{f['opened']['open']:,} sockets open ({f['opened']['errors']} connect errors)"
        f" in {f['opened']['seconds']:.0f} s,"
        f" per replica {', '.join(f'{n:,}' for n in f['sockets_per_replica'])}; ws RSS before"
        f" {f['total_before_kb'] / 1024:.0f} MB; {b['broadcasts']} broadcasts one after another:"
        " send → last receipt"
        f" p50 {b['last_p50_ms'] or 0:.0f} ms, max {b['last_max_ms'] or 0:.0f} ms, every receipt's p99"
        f" {b['receipt_p99_ms'] or 0:.0f} ms, {b['timed_out']} timed out; limits: Nginx worker_connections"
        f" {lim['nginx_worker_connections']}, nofile {lim['nginx_nofile']};"
        f" ws nofile {', '.join(lim['ws_nofile'])},"
        f" WS_WORKER_CONNECTIONS {', '.join(lim['ws_worker_connections'])};"
        f" Nginx workers {r['figures'].get('fleet_nginx_workers', 1)}"
    )


def _p11(r: dict) -> float | None:
    c = r["figures"].get("capacity")
    return c["capacity"] if c else None


def _p11_detail(r: dict) -> str:
    c = r["figures"].get("capacity")
    if not c:
        return ""
    steps = "; ".join(
        f"{x['clients']:,}: p95 {x['last_p95_ms'] or 0:.0f} ms{'' if x['passed'] else ' (fails)'}"
        for x in c["steps"]
    )
    tail = " (the largest step tried: more may fit)" if c["reached_max"] else ""
    return f"![P11 curve]({CURVE_PNG}){tail}; send → last receipt by step: {steps}"


DEF_COMMON = (
    " Sockets come from one wsfleet process (a minimal asyncio client, a few µs per received frame) in"
    " the client container, through Nginx, spread round robin over 50 logged-in accounts, all in one"
    " room; a broadcast is a real chat message from one of the sockets (ws → db-api, stored in MariaDB →"
    " Redis pub/sub → every replica → every socket, the sender included), and it is done when every"
    " socket open at its send has received it (10 s at most)."
)

FIGURES = [
    Figure(
        "P10 RSS",
        "10,000 idle sockets over 2 ws replicas: total ws RSS",
        "Sum of the resident memory (VmRSS) of every process in both ws containers (gunicorn master and"
        " worker) with 10,000 sockets open and idle for 5 s." + DEF_COMMON,
        "≤ 300 MB",
        300,
        False,
        _p10_rss,
        fmt="{:.0f} MB",
        detail=_p10_detail,
    ),
    Figure(
        "P10 p99",
        "one broadcast to all 10,000: send → last receipt p99",
        "With P10's 10,000 sockets open, 10 broadcasts one after another (each sent when the last was"
        " done): per broadcast, the time from its send to the moment the last of the 10,000 received it;"
        " the p99 (nearest rank) over the broadcasts, i.e. the slowest of the 10." + DEF_COMMON,
        "≤ 500 ms",
        500,
        False,
        _p10_p99,
        fmt="{:.0f} ms",
    ),
    Figure(
        "P10 missed",
        "receipts missed over those broadcasts",
        "Σ over P10's broadcasts of (sockets open at the send − sockets that received it within 10 s).",
        "0",
        0,
        False,
        _p10_missed,
        fmt="{:.0f}",
    ),
    Figure(
        "P11",
        "clients one ws replica serves while 95 % of broadcasts reach everyone within 500 ms",
        "The websocket-shootout method on one ws replica: clients are added in steps of 1,000 (up to"
        " 12,000); at each step 4 broadcasters send 20 broadcasts, each broadcaster sending its next one"
        " when its last has reached everyone. A step passes when at least 95 % of its broadcasts reached"
        " every client within 500 ms and no receipt was missed; the figure is the largest passing step"
        " before the first failing one. The curve (p50, p95, max by step) is drawn below the table."
        + DEF_COMMON,
        "≥ 5,000",
        5000,
        True,
        _p11,
        fmt="{:,.0f}",
        detail=_p11_detail,
    ),
]
