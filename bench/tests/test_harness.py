"""The bench harness's own logic: statistics, parsing, settings, the pass rule, the report."""

from pathlib import Path

from harness import report
from harness.figures import all_figures, fleet
from harness.settings import Settings
from harness.stats import median, percentile
from harness.wrk import parse_wrk

WRK_OUTPUT = """Running 10s test @ http://nginx:8080/health
  2 threads and 50 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    21.10ms   12.01ms 310.00ms   90.00%
  Latency Distribution
     50%   18.50ms
     75%   24.00ms
     90%  800.00us
     99%    1.20s
  21000 requests in 10.00s, 3.00MB read
  Socket errors: connect 0, read 2, write 0, timeout 3
  Non-2xx or 3xx responses: 7
Requests/sec:   2100.50
"""


def test_percentile_is_nearest_rank():
    values = list(range(1, 101))
    assert percentile(values, 0.5) == 51
    assert percentile(values, 0.99) == 99
    assert percentile(values, 1.0) == 100
    assert percentile([7.0], 0.99) == 7.0
    assert percentile([], 0.5) is None


def test_median_ignores_runs_without_the_key():
    assert median([{"rps": 1.0}, {"rps": 3.0}, {"other": 9}]) == 2.0
    assert median([], "rps") == 0.0


def test_parse_wrk_reads_rate_latencies_in_their_units_and_errors():
    parsed = parse_wrk(WRK_OUTPUT)
    assert parsed["rps"] == 2100.5
    assert parsed["requests"] == 21000
    assert parsed["p50_ms"] == 18.5
    assert parsed["p90_ms"] == 0.8
    assert parsed["p99_ms"] == 1200.0
    assert parsed["socket_errors"] == 5
    assert parsed["non2xx"] == 7


def test_settings_only_and_skip_choose_the_groups():
    every = Settings.from_env({})
    assert every.wants("p1") and every.wants("p11")
    only = Settings.from_env({"BENCH_ONLY": "p10 P11", "BENCH_SKIP": "p11"})
    assert only.wants("p10")
    assert not only.wants("p11")
    assert not only.wants("p1")
    assert Settings.from_json(only.to_json()) == only


def test_capacity_step_passes_only_with_95_percent_within_the_limit_and_nothing_missed():
    twenty = [100.0] * 19
    assert fleet.passes({"latencies_ms": [*twenty, 900.0], "missed_receipts": 0}, 500, 0.95)
    assert not fleet.passes({"latencies_ms": [*twenty[:18], 900.0, 900.0], "missed_receipts": 0}, 500, 0.95)
    assert not fleet.passes({"latencies_ms": [*twenty, None], "missed_receipts": 0}, 500, 1.0)
    assert not fleet.passes({"latencies_ms": [*twenty, 100.0], "missed_receipts": 1}, 500, 0.95)
    assert not fleet.passes({"latencies_ms": [], "missed_receipts": 0}, 500, 0.95)


def test_every_figure_has_a_definition_and_a_unique_id():
    figures = all_figures()
    ids = [f.id for f in figures]
    assert len(ids) == len(set(ids))
    for f in figures:
        assert len(f.definition) > 80, f.id


def minimal_results() -> dict:
    return {
        "runs": {
            "health_nginx": [{"rps": 900.0, "cpu_us": {"nginx": 100.0, "web": 600.0}}],
            "hello_direct": [{"rps": 1000.0, "cpu_us": {"bench-hello": 400.0}}],
        },
        "labels": {"health_nginx": "web /health through Nginx"},
        "figures": {},
        "settings": Settings().to_json(),
        "baseline": None,
        "machine": {"date": "2026-12-08 00:00 UTC", "loadavg": "1.0", "other_containers": "0"},
        "elapsed_s": 60,
    }


def test_report_renders_a_partial_run_with_the_figures_it_has(tmp_path: Path):
    doc = tmp_path / "benchmarks.md"
    report.write_doc(doc, minimal_results())
    text = doc.read_text()
    assert "| P1′ | web `/health` through Nginx ÷ bare Flask hello *direct* | 0.90 | ≥ 0.75 | meets |" in text
    assert "| P11 |" in text and "not measured" in text
    assert "### What each figure is" in text
