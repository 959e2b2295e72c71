#!/usr/bin/env python3
"""The measurements of `make bench`, run by bench/run.sh against its own stack.

Every figure is a median of interleaved runs (peer A, peer B, A, B, ...),
each run printed in full and kept in ``<out>/bench.log``; the figures, the
machine and a per-layer reading go to ``docs/benchmarks.md``. A figure that
misses its goal is information, not a failure: only a broken harness or
stack makes this exit non-zero. The measuring lives in :mod:`harness.figures`,
the reporting in :mod:`harness.report` (see :mod:`harness` for the layout).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

from harness import report, shell
from harness.cpu import CpuMeter
from harness.figures import broadcast, fleet, loadtest, openloop, replicas, requests, steps
from harness.figures.base import Context
from harness.machine import machine
from harness.settings import Settings


def seed() -> dict:
    data = shell.last_json(shell.client("python", "/bench/tools/seed.py", shell.NGINX, timeout=120))
    shell.log(
        f"seed: room {data['room']} with {data['messages']} messages, broadcast room {data['broadcast_room']}"
    )
    return data


def merge_previous(out: Path, results: dict) -> None:
    """A partial run (BENCH_ONLY) keeps the other figures of the last run, marked with its date."""
    saved = out / "results.json"
    if not saved.exists():
        return
    previous = json.loads(saved.read_text())
    for key, value in previous.get("figures", {}).items():
        results["figures"].setdefault(key, value)
    for key, value in previous.get("runs", {}).items():
        results["runs"].setdefault(key, value)
        results["labels"].setdefault(key, previous.get("labels", {}).get(key, ""))
    results.setdefault("merged_from", previous.get("machine", {}).get("date"))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default="test-output/bench")
    parser.add_argument("--doc", default="docs/benchmarks.md")
    parser.add_argument("--render-only", action="store_true", help="rewrite the doc from <out>/results.json")
    args = parser.parse_args()
    out, doc = Path(args.out), Path(args.doc)
    out.mkdir(parents=True, exist_ok=True)
    if args.render_only:
        report.write_doc(doc, json.loads((out / "results.json").read_text()))
        return
    shell.open_log(out / "bench.log")
    settings = Settings.from_env()
    started = time.time()
    results: dict = {
        "runs": {},
        "labels": {},
        "figures": {},
        "settings": settings.to_json(),
        "baseline": os.environ.get("BENCH_BASELINE") or None,
    }
    shell.check_dns()
    meter = CpuMeter()
    meter.measure_idle()
    data = seed()
    data["baseline"] = results["baseline"]
    ctx = Context(settings, meter, out, results, data)
    requests.measure(ctx)
    steps.measure(ctx)
    openloop.measure(ctx)
    broadcast.measure(ctx)
    loadtest.measure(ctx)
    replicas.measure(ctx)
    fleet.measure(ctx, doc.parent)
    results["machine"] = machine()
    results["elapsed_s"] = time.time() - started
    if settings.only:
        merge_previous(out, results)
    (out / "results.json").write_text(json.dumps(results, indent=2))
    report.write_doc(doc, results)
    shell.log(f"bench: measurements took {results['elapsed_s']:.0f} s")


if __name__ == "__main__":
    sys.exit(main())
