"""db-api's `GET messages`, step by step (bench/tools/dbapi_steps.py in the db-api container).

Information for the "Where the time goes" reading, not a goal: each step of
the request timed alone in db-api's own image, against the stack's Redis and
MariaDB, beside the whole request through Flask's test client.
"""

from __future__ import annotations

import json
from pathlib import Path

from harness.figures.base import Context
from harness.shell import container_ids, last_json, log, run

SCRIPT = Path(__file__).resolve().parents[2] / "tools" / "dbapi_steps.py"
FIGURES: list = []


def steps_in(container: str, cookie: str, slug: str) -> dict:
    text = run(["docker", "exec", "-i", container, "python", "-", cookie, slug], stdin=SCRIPT.read_text())
    return last_json(text)["steps"]


def measure(ctx: Context) -> None:
    if not ctx.settings.wants("steps"):
        return
    log("\n=== db-api GET messages, step by step ===")
    cookie, slug = ctx.seed["cookie"], ctx.seed["room"]
    found = {"after": steps_in(container_ids("db-api")[0], cookie, slug)}
    if ctx.seed.get("baseline"):
        found["before"] = steps_in(container_ids("bench-dbapi-base")[0], cookie, slug)
    log(json.dumps(found, indent=1))
    ctx.results["figures"]["steps"] = found


def section(r: dict) -> list[str]:
    found = r["figures"].get("steps")
    if not found:
        return []
    before = found.get("before", {})
    lines = [
        "### db-api `GET messages`, step by step",
        "",
        "Each step of the request timed alone in a loop inside the db-api container"
        " (bench/tools/dbapi_steps.py: its image's libraries, the stack's Redis and MariaDB; median"
        " CPU µs of the calling thread, and wall µs). The whole request through Flask's test client"
        " includes every step but gunicorn's own work and the socket.",
        "",
        "| step | CPU µs | wall µs |" + (f" before ({r.get('baseline')}): CPU µs |" if before else ""),
        "|---|---:|---:|" + ("---:|" if before else ""),
    ]
    for step, value in found["after"].items():
        old = before.get(step)
        extra = (f" {old['cpu_us']:,.0f} |" if old else " n/a |") if before else ""
        lines.append(f"| {step} | {value['cpu_us']:,.0f} | {value['wall_us']:,.0f} |{extra}")
    return [*lines, ""]
