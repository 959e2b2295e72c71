"""The alert rules, unit-tested with promtool, and the alerting configs checked by their own tools.

promtool and amtool come from the images docker-compose.yml runs (so the
tools match the servers); no stack is needed, only Docker.
roomservice.test.yml holds the cases: every alert fires on a synthetic
series and stays quiet on a healthy one, which test_every_alert_has_a_firing_and_a_quiet_case
enforces for alerts added later.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
RULES = ROOT / "deploy/prometheus/rules/roomservice.yml"
CASES = HERE / "roomservice.test.yml"
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def run_tool(service: str, tool: str, *args: str, mounts: dict[Path, str]) -> subprocess.CompletedProcess:
    """``tool`` from ``service``'s image, offline, as this user (files in tmp dirs stay readable)."""
    volumes = [arg for source, target in mounts.items() for arg in ("-v", f"{source}:{target}:ro")]
    command = ["docker", "run", "--rm", "--network", "none", "--user", str(os.getuid()), *volumes]
    command += ["--entrypoint", tool, COMPOSE["services"][service]["image"], *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


def promtool(*args: str, cases: Path = HERE) -> subprocess.CompletedProcess:
    mounts = {ROOT / "deploy/prometheus": "/etc/prometheus", cases: "/tests"}
    return run_tool("prometheus", "promtool", *args, mounts=mounts)


def alert_names() -> set[str]:
    groups = yaml.safe_load(RULES.read_text())["groups"]
    return {rule["alert"] for group in groups for rule in group["rules"] if "alert" in rule}


def test_prometheus_accepts_the_production_config_and_rules():
    result = promtool("check", "config", "/etc/prometheus/prometheus.yml")
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{len(alert_names())} rules found" in result.stdout


def test_alertmanager_accepts_the_production_config():
    config = "/etc/alertmanager/alertmanager.yml"
    mounts = {ROOT / "deploy/alertmanager": "/etc/alertmanager"}
    result = run_tool("alertmanager", "amtool", "check-config", config, mounts=mounts)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 receivers" in result.stdout


def test_every_alert_fires_on_a_synthetic_series_and_stays_quiet_on_a_healthy_one():
    result = promtool("test", "rules", f"/tests/{CASES.name}")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


def test_every_alert_has_a_firing_and_a_quiet_case():
    firing, quiet = set(), set()
    for case in yaml.safe_load(CASES.read_text())["tests"]:
        for check in case.get("alert_rule_test", []):
            (firing if check.get("exp_alerts") else quiet).add(check["alertname"])
    assert alert_names() - firing == set(), "alerts never shown to fire"
    assert alert_names() - quiet == set(), "alerts never shown to stay quiet"


def test_promtool_fails_a_case_whose_expectation_is_wrong(tmp_path):
    # The same rules, expected to fire on a healthy series: promtool must say no.
    wrong = {
        "rule_files": ["/etc/prometheus/rules/roomservice.yml"],
        "tests": [
            {
                "interval": "1m",
                "input_series": [{"series": 'roomservice_redis_up{job="db-api"}', "values": "1x10"}],
                "alert_rule_test": [
                    {"eval_time": "5m", "alertname": "RedisDown", "exp_alerts": [{"exp_labels": {}}]}
                ],
            }
        ],
    }
    (tmp_path / "wrong.test.yml").write_text(yaml.safe_dump(wrong))
    result = promtool("test", "rules", "/tests/wrong.test.yml", cases=tmp_path)
    assert result.returncode != 0
    assert "FAILED" in result.stdout + result.stderr
