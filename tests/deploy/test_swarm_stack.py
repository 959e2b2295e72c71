"""deploy/swarm/stack.yml checked offline: the placement, health and update
rules docs/scaling.md ("Many machines") promises. `make test-swarm` shows
them working on three nodes; these keep the file from drifting without one.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

SWARM = Path(__file__).resolve().parents[2] / "deploy" / "swarm"
STACK = yaml.safe_load((SWARM / "stack.yml").read_text(encoding="utf-8"))
SERVICES = STACK["services"]
STATELESS = {"web": "", "ws": "/ws", "db-api": "/api"}
LONG_RUNNING = [name for name in SERVICES if name != "migrate"]


@pytest.mark.parametrize("name", STATELESS)
def test_stateless_services_spread_over_nodes_and_roll_start_first(name):
    deploy = SERVICES[name]["deploy"]
    assert {"spread": "node.hostname"} in deploy["placement"]["preferences"]
    assert "constraints" not in deploy["placement"]
    assert deploy["update_config"]["order"] == "start-first"
    assert deploy["update_config"]["failure_action"] == "rollback"
    assert deploy["rollback_config"]["order"] == "start-first"


@pytest.mark.parametrize("name", ["redis", "mysql"])
def test_data_services_run_once_on_the_node_labelled_for_them(name):
    deploy = SERVICES[name]["deploy"]
    assert deploy["replicas"] == 1
    assert deploy["placement"]["constraints"] == [f"node.labels.roomservice.{name} == true"]
    assert deploy["update_config"]["order"] == "stop-first"
    assert any(
        not isinstance(volume, dict) and volume.endswith(("/data", "/var/lib/mysql"))
        for volume in SERVICES[name]["volumes"]
    )


def test_nginx_is_global_on_the_edge_nodes_with_a_host_mode_port():
    nginx = SERVICES["nginx"]
    assert nginx["deploy"]["mode"] == "global"
    assert nginx["deploy"]["placement"]["constraints"] == ["node.labels.roomservice.edge == true"]
    assert nginx["deploy"]["update_config"]["order"] == "stop-first"
    (port,) = nginx["ports"]
    assert port["mode"] == "${SWARM_PUBLISH_MODE:-host}"
    # Its own status page, not /health (web's): a web outage must not restart the edges.
    assert "8081/healthz" in " ".join(nginx["healthcheck"]["test"])


@pytest.mark.parametrize("name", LONG_RUNNING)
def test_every_long_running_service_has_init_limits_and_a_healthcheck(name):
    service = SERVICES[name]
    assert service["init"] is True
    assert service["read_only"] is True
    limits = service["deploy"]["resources"]["limits"]
    assert limits["cpus"] and limits["memory"]
    assert service["healthcheck"]["test"]


@pytest.mark.parametrize(("name", "prefix"), STATELESS.items())
def test_app_healthcheck_is_liveness_after_being_ready_once(name, prefix):
    service = SERVICES[name]
    assert service["healthcheck"]["test"] == ["CMD", "python", "-m", "servicekit.healthcheck"]
    environment = service["environment"]
    assert environment["STARTUP_CHECK_URL"] == f"http://127.0.0.1:8000{prefix}/ready"
    assert environment["HEALTHCHECK_URL"] == f"http://127.0.0.1:8000{prefix}/health"


def test_what_the_lab_lacks_is_a_setting():
    for name, service in SERVICES.items():
        assert service["deploy"]["endpoint_mode"] == "${SWARM_ENDPOINT_MODE:-vip}", name
    encrypted = yaml.safe_load((SWARM / "encrypted.yml").read_text(encoding="utf-8"))
    assert set(encrypted["networks"]) == set(STACK["networks"])
    for network in encrypted["networks"].values():
        assert "encrypted" in network["driver_opts"]
