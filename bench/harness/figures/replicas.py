"""The room page and db-api GET messages with 1, 2 and 3 replicas of web and db-api (information)."""

from __future__ import annotations

from harness.figures.base import Context
from harness.figures.requests import API_PATH
from harness.shell import NGINX, log, scale
from harness.stats import errors_of, median
from harness.wrk import wrk

FIGURES: list = []


def measure(ctx: Context) -> None:
    if not ctx.settings.wants("replicas"):
        return
    log("\n=== Replicas: 1, 2, 3 of web and db-api ===")
    cookie, room = ctx.seed["cookie"], ctx.seed["room"]
    rows = []
    for n in (1, 2, 3):
        scale(web=n, db_api=n)
        page = [wrk(ctx.settings, f"{NGINX}/rooms/{room}", cookie) for _ in range(ctx.settings.rounds)]
        api = [
            wrk(ctx.settings, f"{NGINX}{API_PATH.format(room=room)}", cookie)
            for _ in range(ctx.settings.rounds)
        ]
        rows.append(
            {
                "replicas": n,
                "page_rps": median(page),
                "page_p99_ms": median(page, "p99_ms"),
                "api_rps": median(api),
                "api_p99_ms": median(api, "p99_ms"),
                "errors": errors_of(page) + errors_of(api),
            }
        )
    scale(web=1, db_api=1)
    ctx.results["figures"]["replicas"] = rows


def section(r: dict) -> list[str]:
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
