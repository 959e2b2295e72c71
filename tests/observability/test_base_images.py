"""scripts/base-images names every third-party image, so CI builds a stand-in for each.

CI has no registry: `.ci/run` builds a local stand-in for each image
scripts/base-images prints, and a missing one fails the run far from its
cause. This reads the compose files and Dockerfiles itself and checks the
script's list covers them (the observability profile's Alertmanager and
Nginx exporter included).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from compose_yaml import load_all

ROOT = Path(__file__).resolve().parents[2]


def listed() -> set[str]:
    result = subprocess.run(
        [str(ROOT / "scripts/base-images")], capture_output=True, text=True, timeout=30, check=True
    )
    return set(result.stdout.split())


def named_images() -> set[str]:
    images = set()
    for path in [ROOT / "docker-compose.yml", *ROOT.glob("deploy/*/*.yaml"), *ROOT.glob("deploy/*/*.yml")]:
        (document,) = load_all(path.read_text())
        services = document.get("services", {}) if isinstance(document, dict) else {}
        for service in services.values():
            image = (service or {}).get("image")
            # Our own images, also as Swarm names them (${IMAGE_REGISTRY:-}roomservice/...).
            own = image and image.removeprefix("${IMAGE_REGISTRY:-}").startswith("roomservice/")
            if image and "build" not in service and not own:
                images.add(image)
    tracked = subprocess.run(
        ["git", "ls-files", "*Dockerfile"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    for dockerfile in tracked:
        for line in (ROOT / dockerfile).read_text().splitlines():
            if line.startswith("FROM "):
                images.add(line.split()[1])
    return images


def test_every_third_party_image_is_listed_for_a_stand_in():
    images = named_images()
    assert {"prom/alertmanager:v0.28.1", "nginx/nginx-prometheus-exporter:1.4"} <= images
    assert images - listed() == set()


def test_no_image_of_ours_is_listed():
    assert not [image for image in listed() if image.startswith("roomservice/")]
