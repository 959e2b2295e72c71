"""P7 and P9: 1,000 sockets in one room over 2 ws replicas (bench/tools/wsbench.py broadcast)."""

from __future__ import annotations

import json
import subprocess
import time

from harness.figures.base import Context, Figure
from harness.memory import rss
from harness.peers import ws_ping
from harness.shell import CLIENT, check_dns, container_ids, last_json, log, run, scale

ECHO_URL = "ws://nginx:8080/bench/ws/echo"


def hold_sockets(ctx: Context, url: str, cookie: str, ids: list[str], messages: int) -> dict:
    """Open ``settings.sockets`` sockets, read the workers' RSS with them idle, then send broadcasts."""
    s = ctx.settings
    before = {c: rss(c) for c in ids}
    log(f"RSS before: {json.dumps({c[:12]: v['rss_kb'] for c, v in before.items()})}")
    cmd = [
        "docker",
        "exec",
        "-i",
        CLIENT,
        "python",
        "/bench/tools/wsbench.py",
        "broadcast",
        url,
        "--sockets",
        str(s.sockets),
        "--procs",
        "2",
        "--messages",
        str(messages),
        "--interval",
        "0.2",
        "--grace",
        "2" if messages else "0",
        "--wait-stdin",
    ]
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
    log(f"RSS with {opened} idle sockets: {json.dumps({c[:12]: v['rss_kb'] for c, v in after.items()})}")
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


def measure(ctx: Context) -> None:
    if not ctx.settings.wants("p7"):
        return
    cookie, room = ctx.seed["cookie"], ctx.seed["broadcast_room"]
    log(f"\n=== P7/P9: {ctx.settings.sockets} sockets in one room over 2 ws replicas ===")
    check_dns()
    scale(ws=2)
    ids = container_ids("ws")
    ulimits = {c[:12]: run(["docker", "exec", c, "sh", "-c", "ulimit -n"]).strip() for c in ids}
    log(f"ws replicas: {len(ids)}; nofile ulimit per replica: {ulimits}")
    url = f"ws://nginx:8080/ws/rooms/{room}"
    ws_ping(url, cookie, duration=1, conns=20)  # warm both replicas (imports, pools)
    time.sleep(2)
    result = hold_sockets(ctx, url, cookie, ids, ctx.settings.broadcasts)
    result["memory"]["ulimit_nofile"] = sorted(set(ulimits.values()))
    scale(ws=1)
    log(f"\n=== P9 reference: {ctx.settings.sockets} idle sockets on the bare gevent-websocket echo ===")
    ws_ping(ECHO_URL, "", duration=1, conns=20)
    time.sleep(2)
    result["echo_memory"] = hold_sockets(ctx, ECHO_URL, "", container_ids("bench-echo"), 0)["memory"]
    if ctx.seed.get("baseline"):
        log(f"\n=== P9 before: {ctx.settings.sockets} idle sockets on the baseline ws (BENCH_BASELINE) ===")
        base_url = f"ws://bench-ws-base:8000/ws/rooms/{room}"
        ws_ping(base_url, cookie, duration=1, conns=20)
        time.sleep(2)
        result["base_memory"] = hold_sockets(ctx, base_url, cookie, container_ids("bench-ws-base"), 0)[
            "memory"
        ]
    ctx.results["figures"]["broadcast"] = result


def _p7_detail(r: dict) -> str:
    b = r["figures"].get("broadcast")
    if not b:
        return ""
    return (
        f"p50 {b['p50_ms']:.1f} ms, max {b['max_ms']:.1f} ms over {b['messages']} messages "
        f"(send → first receipt p50 {b.get('first_p50_ms', 0):.1f} ms, "
        f"p99 {b.get('first_p99_ms', 0):.1f} ms); "
        f"{b['sockets']} sockets opened in {b['connect_s']:.1f} s, {b['missed_receipts']} receipts missed"
    )


def _p9_detail(r: dict) -> str:
    b = r["figures"].get("broadcast")
    if not b:
        return ""
    mem, echo, base = b["memory"], b.get("echo_memory"), b.get("base_memory")
    text = (
        f"+{mem['delta_kb']:,} KB over {mem['sockets']} sockets on 2 replicas (worker RSS before "
        f"{', '.join(f'{v:,}' for v in mem['before_kb'].values())} KB, after "
        f"{', '.join(f'{v:,}' for v in mem['after_kb'].values())} KB; sockets held per worker "
        f"{', '.join(str(v) for v in mem['sockets_per_replica'].values())}); bare gevent-websocket echo: "
        + (f"{echo['kb_per_socket']:.1f} KB per socket" if echo else "n/a")
    )
    if base:
        text += f"; baseline ws (before): {base['kb_per_socket']:.1f} KB per socket"
    return text


def _p7(r: dict) -> float | None:
    b = r["figures"].get("broadcast")
    return b["p99_ms"] if b else None


def _p9(r: dict) -> float | None:
    b = r["figures"].get("broadcast")
    return b["memory"]["kb_per_socket"] if b else None


FIGURES = [
    Figure(
        "P7",
        "WS broadcast, 1,000 sockets in one room on 2 ws replicas: send → last receipt p99",
        "1,000 sockets (one account, two client processes) join one room through Nginx, spread over 2 ws"
        " replicas; one of them sends 50 messages, one every 0.2 s. Each message goes the real way:"
        " ws → db-api (stored in MariaDB) → Redis pub/sub → every replica's subscriber → every socket."
        " Per message: the time from the send to the moment the last socket received it; the figure is"
        " the p99 (nearest rank) over the 50 messages, i.e. about the slowest one.",
        "≤ 100 ms",
        100,
        False,
        _p7,
        fmt="{:.1f} ms",
        detail=_p7_detail,
    ),
    Figure(
        "P9",
        "ws worker RSS per idle open socket ((RSS with sockets - without) ÷ sockets)",
        "The ws workers' resident memory (VmRSS of the gunicorn workers of both replicas) with P7's"
        " 1,000 sockets open and idle (5 s after the last opened) minus before they opened, divided by"
        " the sockets open. The bare gevent-websocket echo, measured the same way, is the reference.",
        "≤ 30 KB",
        30,
        False,
        _p9,
        fmt="{:.1f} KB",
        detail=_p9_detail,
    ),
]
