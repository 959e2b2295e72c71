"""The Grafana dashboard and the alert rules query only metrics proven to move.

No Grafana runs here, so this is what keeps the dashboard from rotting, and
true: a metric may appear in a panel or an alert only if a test against the
real stack causes its event and watches it move. Such a test says so with
``@pytest.mark.moves(<metric>, ...)``; this module reads those marks from
the test sources (no stack needed) and checks every query against them, and
every metric roomservice declares or collects too: a declared metric that
no test moves is a claim nobody checks.
"""

from __future__ import annotations

import ast
import functools
import json
import re
from pathlib import Path

import pytest
import yaml
from prometheus_client import REGISTRY

from servicekit.metrics import RedisMemoryCollector

ROOT = Path(__file__).resolve().parents[2]
DASHBOARD = ROOT / "deploy/grafana/roomservice-dashboard.json"
RULES = ROOT / "deploy/prometheus/rules/roomservice.yml"
# Suites that run against the stack (this one proves nothing by itself).
PROVING_SUITES = ("tests/e2e", "tests/faults", "tests/scale", "tests/abuse", "services/*/tests/integration")
PROMQL_WORDS = {"sum", "min", "max", "by", "rate", "histogram_quantile", "topk", "le", "without", "on"}
METRIC = re.compile(r"\b([a-z_][a-z0-9_]*)\s*(?:\{|\[|\)|$|\s)")
HISTOGRAM_SUFFIXES = ("_bucket", "_sum", "_count")


def is_moves_mark(node: ast.expr) -> bool:
    """``pytest.mark.moves(...)``"""
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "moves"
        and isinstance(node.func.value, ast.Attribute)
        and node.func.value.attr == "mark"
    )


def module_strings(tree: ast.Module) -> dict[str, str]:
    """The module's ``NAME = "text"`` constants (marks may name metrics through them)."""
    return {
        target.id: node.value.value
        for node in tree.body
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant)
        for target in node.targets
        if isinstance(target, ast.Name) and isinstance(node.value.value, str)
    }


@functools.cache
def proofs() -> dict[str, tuple[str, ...]]:
    """metric name -> the tests (``path::name``) that make it move."""
    found: dict[str, list[str]] = {}
    for suite in PROVING_SUITES:
        for path in sorted(ROOT.glob(f"{suite}/**/test_*.py")):
            tree = ast.parse(path.read_text())
            constants = module_strings(tree)
            for node in ast.walk(tree):
                if isinstance(node, ast.FunctionDef) and node.name.startswith("test_"):
                    for mark in filter(is_moves_mark, node.decorator_list):
                        for arg in mark.args:
                            metric = constants[arg.id] if isinstance(arg, ast.Name) else ast.literal_eval(arg)
                            found.setdefault(metric, []).append(f"{path.relative_to(ROOT)}::{node.name}")
    return {metric: tuple(tests) for metric, tests in found.items()}


def proven(name: str) -> bool:
    """``name`` as a query writes it (a histogram's ``_bucket``, say) moves in some test."""
    moved = proofs()
    return name in moved or any(name.endswith(s) and name[: -len(s)] in moved for s in HISTOGRAM_SUFFIXES)


def exported_names() -> set[str]:
    """What the services export, as samples are named (counters end in ``_total``)."""
    families = [*REGISTRY.collect(), *RedisMemoryCollector(None, "db-api").describe()]
    ours = [family for family in families if family.name.startswith("roomservice_")]
    return {f.name + "_total" if f.type == "counter" else f.name for f in ours}


def metric_names(expr: str) -> set[str]:
    expr = re.sub(r'"[^"]*"', '""', expr)
    expr = re.sub(r"\b(?:by|without)\s*\([^)]*\)", "", expr)
    expr = re.sub(r"\[[^\]]*\]", "[]", expr)
    return {name for name in METRIC.findall(expr + " ") if name not in PROMQL_WORDS and not name.isdigit()}


def dashboard_exprs() -> list[str]:
    dashboard = json.loads(DASHBOARD.read_text())
    return [target["expr"] for panel in dashboard["panels"] for target in panel["targets"]]


def rule_exprs() -> list[str]:
    groups = yaml.safe_load(RULES.read_text())["groups"]
    return [rule["expr"] for group in groups for rule in group["rules"]]


def test_dashboard_is_valid_json_with_panels():
    dashboard = json.loads(DASHBOARD.read_text())
    assert dashboard["panels"], "no panels"
    assert all(panel["targets"] for panel in dashboard["panels"])


@pytest.mark.parametrize("expr", dashboard_exprs())
def test_every_panel_queries_metrics_proven_to_move(expr):
    names = metric_names(expr)
    assert names, f"no metric found in {expr!r}"
    assert all(map(proven, names)), f"no test moves {sorted(n for n in names if not proven(n))} ({expr!r})"


@pytest.mark.parametrize("expr", rule_exprs())
def test_every_alert_queries_metrics_proven_to_move(expr):
    names = metric_names(expr)
    assert names, f"no metric found in {expr!r}"
    assert all(map(proven, names)), f"no test moves {sorted(n for n in names if not proven(n))} ({expr!r})"


def test_every_metric_roomservice_exports_is_proven_to_move():
    assert "roomservice_ws_open_sockets" in exported_names()
    assert sorted(name for name in exported_names() if not proven(name)) == []


def test_an_unproven_metric_would_be_caught():
    made_up = "sum by (service) (rate(roomservice_made_up_total[5m]))"
    assert metric_names(made_up) == {"roomservice_made_up_total"}
    assert not proven("roomservice_made_up_total")
    assert proven("roomservice_http_request_duration_seconds_bucket")
