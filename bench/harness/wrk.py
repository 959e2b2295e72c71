"""wrk (Debian's), closed loop: each connection sends its next request when the last one returned."""

from __future__ import annotations

import re

from harness.settings import Settings
from harness.shell import client, log

UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def parse_wrk(text: str) -> dict:
    """Rate, request count, latency percentiles (ms) and errors from ``wrk --latency`` output."""
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


def wrk_command(settings: Settings, url: str, cookie: str = "", duration: int | None = None) -> list[str]:
    cmd = [
        "wrk",
        "-t",
        str(settings.threads),
        "-c",
        str(settings.conns),
        "-d",
        f"{duration or settings.duration}s",
        "--latency",
        "--timeout",
        "5s",
    ]
    if cookie:
        cmd += ["-H", f"Cookie: session={cookie}"]
    return [*cmd, url]


def wrk(
    settings: Settings, url: str, cookie: str = "", duration: int | None = None, quiet: bool = False
) -> dict:
    cmd = wrk_command(settings, url, cookie, duration)
    text = client(*cmd, timeout=(duration or settings.duration) + 60)
    if not quiet:
        log(text.rstrip())
    return parse_wrk(text)
