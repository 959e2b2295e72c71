"""Peers (one URL each) measured in interleaved rounds: A, B, A, B, ... so drift hits all alike."""

from __future__ import annotations

import json
import subprocess
import time
from dataclasses import dataclass

from harness.cpu import CpuMeter
from harness.settings import Settings
from harness.shell import CLIENT, check_dns, client, last_json, log
from harness.wrk import wrk


@dataclass
class Peer:
    name: str
    label: str
    url: str
    cookie: str = ""
    marker: str = ""  # text the answer must hold (checked once before measuring)
    kind: str = "wrk"  # or "ws": ping round trips with bench/tools/wsbench.py

    def check(self) -> None:
        if self.kind != "wrk":
            return
        args = ["python", "/bench/tools/check.py", self.url, self.cookie, self.marker]
        done = subprocess.run(["docker", "exec", CLIENT, *args], capture_output=True, text=True, check=False)
        log(done.stdout.strip() or done.stderr.strip())
        if done.returncode != 0:
            raise SystemExit(f"bench: peer {self.name} does not answer as expected")

    def measure(self, settings: Settings, meter: CpuMeter, duration: int | None = None, quiet: bool = False):
        before, started = meter.snapshot(), time.monotonic()
        if self.kind == "ws":
            result = ws_ping(self.url, self.cookie, duration or settings.duration, settings.conns)
            count = result.get("round_trips", 0)
        else:
            result = wrk(settings, self.url, self.cookie, duration, quiet)
            count = result.get("requests", 0)
        result["cpu_us"] = meter.per_request(before, count, time.monotonic() - started)
        return result


def ws_ping(url: str, cookie: str, duration: float, conns: int) -> dict:
    """``conns`` sockets, each sending a ping and waiting for its pong, in a loop (closed loop)."""
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
    result = last_json(client(*args, timeout=duration + 120))
    result["rps"] = result["rate"]
    log(f"  ws ping {url}: {json.dumps(result)}")
    return result


def interleaved(title: str, peers: list[Peer], settings: Settings, meter: CpuMeter) -> dict[str, list[dict]]:
    log(f"\n=== {title} ===")
    check_dns()
    meter.refresh()
    for peer in peers:
        peer.check()
    for peer in peers:
        log(f"--- warm-up {peer.name} ({settings.warmup} s, not counted)")
        peer.measure(settings, meter, settings.warmup, quiet=True)
    runs: dict[str, list[dict]] = {peer.name: [] for peer in peers}
    for round_no in range(1, settings.rounds + 1):
        for peer in peers:
            log(f"--- round {round_no}/{settings.rounds}: {peer.name} = {peer.label}: {peer.url}")
            result = peer.measure(settings, meter)
            result["round"] = round_no
            runs[peer.name].append(result)
            cpu = ", ".join(f"{k} {v:.0f}" for k, v in result["cpu_us"].items() if abs(v) >= 1)
            log(f"    -> {result.get('rps', 0):.0f}/s p99 {result.get('p99_ms', 0):.1f} ms")
            log(f"    CPU µs per request: {cpu}")
    return runs
