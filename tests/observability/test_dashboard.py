"""The Grafana dashboard and alert rules name only metrics that really exist.

No Grafana image can be built here, so this is what keeps the dashboard
from rotting: every metric a panel or alert queries must be one the
services (servicekit.metrics), the Nginx exporter or Prometheus export.
"""

import json
import re
from pathlib import Path

import pytest
from prometheus_client import REGISTRY

import servicekit.metrics  # noqa: F401 - registers roomservice's metrics

ROOT = Path(__file__).resolve().parents[2]
DASHBOARD = ROOT / "deploy/grafana/roomservice-dashboard.json"
RULES = ROOT / "deploy/prometheus/rules/roomservice.yml"
EXPORTER = ROOT / "deploy/nginx-exporter/nginx_exporter.py"
PROMQL_WORDS = {"sum", "by", "rate", "histogram_quantile", "topk", "le", "without", "on"}
METRIC = re.compile(r"\b([a-z_][a-z0-9_]*)\s*(?:\{|\[|\)|$|\s)")


def exported_names() -> set[str]:
    names = {"up"}
    for metric in REGISTRY.collect():
        names.add(metric.name)
        for sample in metric.samples:
            names.add(sample.name)
        if metric.type == "histogram":
            names.update({metric.name + suffix for suffix in ("_bucket", "_sum", "_count")})
        if metric.type == "counter":
            names.add(metric.name + "_total")
    names.update(re.findall(r'\("(nginx_[a-z_]+)"', EXPORTER.read_text()))
    return names


def metric_names(expr: str) -> set[str]:
    expr = re.sub(r'"[^"]*"', '""', expr)
    expr = re.sub(r"\bby\s*\([^)]*\)", "", expr)
    expr = re.sub(r"\[[^\]]*\]", "[]", expr)
    return {name for name in METRIC.findall(expr + " ") if name not in PROMQL_WORDS and not name.isdigit()}


def dashboard_exprs() -> list[str]:
    dashboard = json.loads(DASHBOARD.read_text())
    return [target["expr"] for panel in dashboard["panels"] for target in panel["targets"]]


def rule_exprs() -> list[str]:
    return re.findall(r"expr: \|\n((?:\s{10}.*\n)+)|expr: (.+)", RULES.read_text())


def test_dashboard_is_valid_json_with_panels():
    dashboard = json.loads(DASHBOARD.read_text())
    assert dashboard["panels"], "no panels"
    assert all(panel["targets"] for panel in dashboard["panels"])


@pytest.mark.parametrize("expr", dashboard_exprs())
def test_every_panel_queries_exported_metrics(expr):
    names = metric_names(expr)
    assert names, f"no metric found in {expr!r}"
    assert names <= exported_names(), f"unknown metrics {names - exported_names()} in {expr!r}"


@pytest.mark.parametrize("expr", ["".join(parts) for parts in rule_exprs()])
def test_every_alert_queries_exported_metrics(expr):
    names = metric_names(expr)
    assert names, f"no metric found in {expr!r}"
    assert names <= exported_names(), f"unknown metrics {names - exported_names()} in {expr!r}"


def test_an_unknown_metric_would_be_caught():
    assert "roomservice_made_up_total" not in exported_names()
    assert metric_names("rate(roomservice_made_up_total[5m])") == {"roomservice_made_up_total"}
