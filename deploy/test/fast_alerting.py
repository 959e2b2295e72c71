"""The observability profile's Prometheus and Alertmanager configs with short timings, for `make test`.

The alert test (tests/faults/test_redis_outage.py) stops Redis and waits for
the alert to reach the receiver, then to resolve. With the production timings
(a scrape and an evaluation every 10 s, ``for: 1m``, Alertmanager waiting
30 s and grouping for 5 min) that would take minutes, so the throwaway stack
runs configs derived here from the production files, with only the timings
changed: the rules, routes and receivers under test are the production ones.
scripts/test-stack.sh writes them to test-output/alerting/, which
deploy/test/compose.test.yaml mounts over the production directories.

    usage: python deploy/test/fast_alerting.py OUTPUT_DIR
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
PROMETHEUS = ROOT / "deploy" / "prometheus"
ALERTMANAGER = ROOT / "deploy" / "alertmanager"

# A scrape may take up to its interval: db-api's, with Redis down, waits for
# a Redis timeout before it answers roomservice_redis_up 0.
SCRAPE_INTERVAL = "3s"
EVALUATION_INTERVAL = "2s"
FOR = "6s"
ROUTE_TIMINGS = {"group_wait": "1s", "group_interval": "2s", "repeat_interval": "1h"}


def write(path: Path, document: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(document, sort_keys=False))


def main(out: Path) -> None:
    prometheus = yaml.safe_load((PROMETHEUS / "prometheus.yml").read_text())
    prometheus["global"].update(
        scrape_interval=SCRAPE_INTERVAL,
        scrape_timeout=SCRAPE_INTERVAL,
        evaluation_interval=EVALUATION_INTERVAL,
    )
    for job in prometheus["scrape_configs"]:
        for discovery in job.get("dns_sd_configs", []):
            discovery["refresh_interval"] = SCRAPE_INTERVAL  # replicas come and go in the tests
    write(out / "prometheus" / "prometheus.yml", prometheus)
    for rules_file in sorted((PROMETHEUS / "rules").glob("*.yml")):
        rules = yaml.safe_load(rules_file.read_text())
        for group in rules["groups"]:
            for rule in group["rules"]:
                if "for" in rule:
                    rule["for"] = FOR
        write(out / "prometheus" / "rules" / rules_file.name, rules)
    alertmanager = yaml.safe_load((ALERTMANAGER / "alertmanager.yml").read_text())
    alertmanager["route"].update(ROUTE_TIMINGS)
    write(out / "alertmanager" / "alertmanager.yml", alertmanager)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(Path(sys.argv[1]))
