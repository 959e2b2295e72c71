"""P5′'s latency half: db-api `GET messages` under a fixed offered rate (bench/tools/openloop.py)."""

from __future__ import annotations

import json
import statistics

from harness.figures.base import Context, Figure, runs
from harness.figures.requests import API_PATH
from harness.shell import NGINX, check_dns, client, last_json, log
from harness.stats import median
from harness.wrk import wrk

PEAK_PEER = "api_nginx"  # its closed-loop rate (P2's group) is the peak


def measure(ctx: Context) -> None:
    if not ctx.settings.wants("p5"):
        return
    s = ctx.settings
    url = f"{NGINX}{API_PATH.format(room=ctx.seed['room'])}"
    log(f"\n=== P5′ open loop: {url} at {s.open_loop_share:.0%} of its closed-loop peak ===")
    check_dns()
    peak_runs = runs(ctx.results, PEAK_PEER)
    if peak_runs:
        peak, source = median(peak_runs), f"median of {PEAK_PEER}'s {len(peak_runs)} closed-loop rounds"
    else:
        peak, source = wrk(s, url, ctx.seed["cookie"])["rps"], "one closed-loop wrk run"
    offered = round(s.open_loop_share * peak, 1)
    rounds = []
    for round_no in range(1, s.rounds + 1):
        text = client(
            "python",
            "/bench/tools/openloop.py",
            url,
            "--rate",
            str(offered),
            "--duration",
            str(s.duration),
            "--cookie",
            ctx.seed["cookie"],
            timeout=s.duration + 60,
        )
        result = last_json(text)
        result["round"] = round_no
        rounds.append(result)
        log(f"--- round {round_no}/{s.rounds}: {json.dumps(result)}")
    ctx.results["figures"]["open_loop"] = {
        "url": url,
        "peak_rps": peak,
        "peak_source": source,
        "share": s.open_loop_share,
        "offered_rps": offered,
        "runs": rounds,
    }


def p99(r: dict) -> float | None:
    data = r["figures"].get("open_loop")
    return statistics.median(x["p99_ms"] for x in data["runs"] if x["p99_ms"] is not None) if data else None


def detail(r: dict) -> str:
    data = r["figures"].get("open_loop")
    if not data:
        return ""
    each = ", ".join(f"{x['p99_ms']:.1f}" for x in data["runs"] if x["p99_ms"] is not None)
    done = sum(x["completed"] for x in data["runs"])
    errors = sum(x["errors"] + x["non2xx"] for x in data["runs"])
    lag = max(x["client_lag_p99_ms"] or 0 for x in data["runs"])
    return (
        f"offered {data['offered_rps']:,.0f}/s = {data['share']:.0%} of the peak {data['peak_rps']:,.0f}/s "
        f"({data['peak_source']}); "
        f"achieved {statistics.median(x['achieved_rate'] for x in data['runs']):,.0f}/s; "
        f"p99 per round {each} ms; p50 {statistics.median(x['p50_ms'] or 0 for x in data['runs']):.1f} ms; "
        f"{done:,} requests, {errors} errors; client lag p99 ≤ {lag:.1f} ms"
    )


FIGURES = [
    Figure(
        "P5′ p99",
        "db-api `GET messages` p99 at a fixed offered rate of 70 % of its own peak, through Nginx",
        "Open loop (bench/tools/openloop.py): requests to `GET /api/v1/rooms/<slug>/messages?limit=50`"
        " with a session cookie, through Nginx, start on a constant-rate schedule at 70 % of the"
        " closed-loop peak measured for the same URL in P2's group (wrk -c50), on up to 512 keep-alive"
        " connections; each latency runs from the request's scheduled start to the last byte of its"
        " answer, so queueing anywhere (client, Nginx, gunicorn's backlog, the pool) counts. Median over"
        " the rounds of each round's p99 (nearest rank).",
        "≤ 50 ms",
        50,
        False,
        p99,
        fmt="{:.1f} ms",
        detail=detail,
    ),
]
