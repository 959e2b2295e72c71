"""docs/benchmarks.md from the saved results: the goals table, definitions, layers, profiles, runs."""

from __future__ import annotations

from pathlib import Path

from harness import layers
from harness.figures import all_figures, replicas, steps
from harness.shell import log
from harness.stats import errors_of, median

NOTES = Path(__file__).resolve().parent.parent / "NOTES.md"


def intro(r: dict) -> list[str]:
    s, m = r["settings"], r["machine"]
    baseline = r.get("baseline")
    return [
        "# Benchmarks",
        "",
        "Written by `make bench` (`bench/run.sh` → `bench/bench.py`); do not edit by hand, re-run it.",
        f"Last run: {m['date']}, {s['rounds']} interleaved rounds (A, B, A, B, …) of {s['duration']} s"
        f" per peer, wrk `-t{s['threads']} -c{s['conns']}`, medians; the measurements took"
        f" {r.get('elapsed_s', 0) / 60:.0f} min."
        " Every run is printed in full and kept in `test-output/bench/bench.log`.",
        "",
        "The harness starts its own stack (project `BENCH_PROJECT`, default `roomservice-bench`, port"
        " `BENCH_HTTP_PORT`, default 18090, its own volumes, write rate limits and socket caps raised)"
        " with the"
        " bench-only overlay `deploy/bench/compose.bench.yaml` (SYS_PTRACE for py-spy; the bare peers"
        " `bench-hello`, `bench-echo`, `bench-dbapi-newconn[-tls]` and their Nginx locations; the raised"
        " connection limits of docs/scaling.md), drives it from a client container on its `front` network,"
        " and removes it at the end. Figures are information, not tests: missing a goal does not fail"
        " `make bench`.",
        "",
        (
            f"Before/after: the baseline build `{baseline}` ran beside this one in the same stack"
            " (`BENCH_BASELINE`; services `bench-web-base`, `bench-dbapi-base`, `bench-ws-base`),"
            " measured in the"
            " same interleaved rounds."
            if baseline
            else "No baseline build ran (set `BENCH_BASELINE=<git ref>` to measure one beside this build)."
        ),
        "",
        "**Noise:** this is a 2-core machine on which the client, Nginx, the services, Redis and"
        " MariaDB all share the same cores"
        f" (load average at the start: `{m['loadavg']}`; other containers running: {m['other_containers']})."
        " Throughput ratios are more stable than absolute rates; re-run on a quiet machine before"
        " comparing with another run.",
        "",
    ]


def goals(r: dict) -> list[str]:
    rows = [
        f"| {f.id} | {f.title} | {f.shown(r)} | {f.goal_text} | {f.verdict(r)} | {f.detail(r)} |"
        for f in all_figures()
    ]
    definitions = [f"- **{f.id}**: {f.definition}" for f in all_figures()]
    return [
        "## Figures",
        "",
        "| id | figure | measured | goal | verdict | details (medians) |",
        "|---|---|---|---|---|---|",
        *rows,
        "",
        "### What each figure is",
        "",
        *definitions,
        "",
    ]


def where_the_time_goes(r: dict) -> list[str]:
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
        *(f"| {layer} | {how} | {layers.show(value)} |" for layer, how, value in layers.layer_rows(r)),
        "",
    ]
    before_after = layers.before_after_rows(r)
    if before_after:
        lines += [
            f"### Before ({r.get('baseline')}) and after, same run",
            "",
            "The same requests sent straight to the baseline build's services and to this build's,"
            " interleaved in the same rounds (`baseline` group): CPU µs per request.",
            "",
            "| layer | before | after | change |",
            "|---|---:|---:|---:|",
        ]
        for layer, before, after in before_after:
            change = f"{100 * (after - before) / before:+.0f} %" if before and after is not None else "n/a"
            lines.append(f"| {layer} | {layers.show(before)} | {layers.show(after)} | {change} |")
        lines.append("")
    lines += steps.section(r)
    med = layers.cpu_medians(r)
    used = [
        c for c in layers.COLUMNS if any(abs(m.get(c, 0)) >= 20 for m in med.values()) or c == layers.OUTSIDE
    ]
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
        inside = sum(v for k, v in m.items() if k != layers.OUTSIDE)
        cells = " | ".join(f"{m.get(c, 0):,.0f}" if abs(m.get(c, 0)) >= 5 else "·" for c in used)
        lines.append(f"| `{peer}` | {cells} | {inside:,.0f} |")
    lines.append("")
    if NOTES.exists():
        lines += [NOTES.read_text().strip(), ""]
    return lines


def profiles(r: dict) -> list[str]:
    lines = []
    profile_s = r["settings"]["profile_s"]
    for prof in r["figures"].get("profiles", []):
        load = prof.get("load", {})
        lines += [
            f"### py-spy: {prof['label']}",
            "",
            f"`py-spy record --subprocesses --nonblocking` (db-api: `--gil`, the GIL holder only) at 97 Hz"
            f" for {profile_s} s on every worker while wrk loaded"
            f" `{prof['url'].replace('http://nginx:8080', '')}`"
            f" ({load.get('rps', 0):,.0f} req/s under the profiler). Shares of on-CPU samples (samples whose"
            " innermost frame is a wait, such as idle gthread threads, the selector or a blocking read, are"
            " left out), by the library of the innermost frame:",
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


def machine_and_runs(r: dict) -> list[str]:
    m = r["machine"]
    lines = [
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
    return [*lines, ""]


HOW_TO_RUN = [
    "## How to run",
    "",
    "```sh",
    "make bench                       # everything, one run (its length is stated above)",
    "make bench-ws                    # only the WebSocket figures: P7, P9, P10, P11",
    "BENCH_BASELINE=main make bench   # also measure the services of another git ref, before/after",
    "BENCH_DURATION=2 BENCH_ROUNDS=1 BENCH_SKIP='p8 replicas p10 p11' make bench   # quick look",
    "python3 bench/bench.py --render-only   # rewrite this file from test-output/bench/results.json",
    "```",
    "",
]


def write_doc(path: Path, r: dict) -> None:
    lines = [
        *intro(r),
        *goals(r),
        *where_the_time_goes(r),
        *profiles(r),
        *replicas.section(r),
        *machine_and_runs(r),
        *HOW_TO_RUN,
    ]
    path.write_text("\n".join(lines))
    log(f"\nbench: wrote {path}")
    for f in all_figures():
        log(f"{f.id:12} {f.shown(r):>12}  goal {f.goal_text:10} {f.verdict(r)}")
