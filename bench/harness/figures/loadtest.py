"""P8: `make loadtest`'s default mix against the bench stack, thresholds and all."""

from __future__ import annotations

import os
import re
import subprocess

from harness.figures.base import Context, Figure
from harness.shell import log


def measure(ctx: Context) -> None:
    if not ctx.settings.wants("p8"):
        return
    s = ctx.settings
    log(
        f"\n=== P8: make loadtest's default mix ({s.loadtest_users} users, {s.loadtest_spawn}/s,"
        f" {s.loadtest_duration}) ==="
    )
    env = dict(
        os.environ,
        LOADTEST_TARGET="current",
        SUMMARY_LINES="60",
        USERS=s.loadtest_users,
        SPAWN_RATE=s.loadtest_spawn,
        DURATION=s.loadtest_duration,
    )
    done = subprocess.run(["scripts/loadtest.sh"], capture_output=True, text=True, env=env, check=False)
    text = done.stdout + done.stderr
    log(text.rstrip())
    (ctx.out / "loadtest.log").write_text(text)
    ctx.results["figures"]["loadtest"] = {
        "exit_code": done.returncode,
        "problems": re.findall(r"threshold failed: (.*)", text),
        "aggregated": re.findall(r"^\s*Aggregated\s+(.*)$", text, re.M)[:2],
    }


def _passed(r: dict) -> float | None:
    lt = r["figures"].get("loadtest")
    return None if lt is None else float(lt["exit_code"] == 0)


def _detail(r: dict) -> str:
    lt = r["figures"].get("loadtest")
    if lt is None:
        return ""
    return f"exit {lt['exit_code']}; " + ("; ".join(lt["problems"]) or "all thresholds held")


FIGURES = [
    Figure(
        "P8",
        "`make loadtest` default mix holds its thresholds",
        "scripts/loadtest.sh (Locust, 30 users spawned at 5/s for 60 s, the default mix of page views,"
        " API calls, posts and WebSocket chat) against the bench stack; 1 when it exits 0, that is,"
        " when every threshold of loadtest/ held.",
        "1 (pass)",
        1,
        True,
        _passed,
        fmt="{:.0f}",
        detail=_detail,
    ),
]
