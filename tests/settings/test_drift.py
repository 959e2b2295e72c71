"""Every setting is real: the registry (servicekit.settings) against everything
that names a setting, so none exists in one place and is missing in another.

Offline (no Docker): compose files are read with PyYAML, which resolves their
anchors and merge keys; Nginx templates and the code are read as text and AST.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from servicekit import settings
from servicekit.settings import SETTINGS

ROOT = Path(__file__).resolve().parents[2]
# The compose files a user runs (`make up` with TLS=1, DEV=1); the test and
# bench overlays belong to their harnesses.
USER_COMPOSE = ("docker-compose.yml", "deploy/tls/compose.tls.yaml", "deploy/dev/compose.dev.yaml")
VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)")
DEFAULTED = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*):-([^}$]*)\}")
# Process environment a compose file may set that is no roomservice setting.
NOT_SETTINGS = {"PYTHONPATH"}
SECRET_FILES = {f"{name}_FILE": name for name in settings.SECRETS}


def compose(path: str) -> dict:
    return yaml.safe_load((ROOT / path).read_text(encoding="utf-8"))


def strings(node):
    if isinstance(node, dict):
        for key, item in node.items():
            yield str(key)
            yield from strings(item)
    elif isinstance(node, list):
        for item in node:
            yield from strings(item)
    elif node is not None:
        yield str(node)


def variables(node) -> set[str]:
    return {name for text in strings(node) for name in VARIABLE.findall(text)}


def environment(service: dict) -> dict[str, str]:
    env = service.get("environment") or {}
    return {str(k): "" if v is None else str(v) for k, v in env.items()}


def service_in(path: str, name: str) -> dict:
    return (compose(path).get("services") or {}).get(name) or {}


NON_INTERNAL = [s for s in SETTINGS.values() if not s.internal]


@pytest.mark.parametrize("path", USER_COMPOSE)
def test_compose_names_only_settings_of_the_registry(path):
    unknown = variables(compose(path)) - set(SETTINGS) - set(SECRET_FILES)
    assert not unknown, f"{path} interpolates settings the registry does not list: {sorted(unknown)}"
    internal = {n for n in variables(compose(path)) if n in SETTINGS and SETTINGS[n].internal}
    assert not internal, f"{path} takes internal settings from .env: {sorted(internal)}"


@pytest.mark.parametrize("setting", NON_INTERNAL, ids=lambda s: s.name)
def test_every_setting_reaches_each_container_that_reads_it(setting):
    for reader in setting.read_by:
        if reader in ("make", "compose-cli"):
            continue  # not passed to anything: tests/ops drives make and compose
        if reader == "compose":
            where = {p for p in USER_COMPOSE if setting.name in variables(compose(p))}
            assert where, f"{setting.name} is read by compose but no compose file interpolates it"
            continue
        if reader == "swarm":
            stack = (ROOT / "deploy" / "swarm" / "stack.yml").read_text(encoding="utf-8")
            script = (ROOT / "scripts" / "stack-deploy").read_text(encoding="utf-8")
            assert setting.name in VARIABLE.findall(stack + script), (
                f"{setting.name} is read by swarm, but deploy/swarm/stack.yml and scripts/stack-deploy "
                "never use it"
            )
            continue
        used = {p for p in USER_COMPOSE if setting.name in variables(service_in(p, reader))}
        assert used, f"{setting.name} is read by {reader}, but compose never passes it there from .env"
        if reader in settings.PYTHON_SERVICES:
            env = environment(service_in("docker-compose.yml", reader))
            assert f"${{{setting.name}" in env.get(setting.name, ""), (
                f"docker-compose.yml passes {reader} no {setting.name}: ${{{setting.name}:-}}"
            )
            if setting.secret and setting.file_in_compose:
                assert f"${{{setting.name}_FILE" in env.get(f"{setting.name}_FILE", ""), (
                    f"docker-compose.yml passes {reader} no {setting.name}_FILE"
                )


@pytest.mark.parametrize("path", USER_COMPOSE)
@pytest.mark.parametrize("service", settings.PYTHON_SERVICES)
def test_python_services_get_only_settings_they_read(path, service):
    for name, text in environment(service_in(path, service)).items():
        if name in NOT_SETTINGS:
            continue
        setting = SETTINGS.get(SECRET_FILES.get(name, name))
        assert setting, f"{path}: {service} gets {name}, which the registry does not list"
        assert service in setting.read_by, f"{path}: {service} gets {name}, which it does not read"
        if setting.internal:
            assert "${" not in text, f"{path}: internal {name} must be fixed, not taken from .env"


@pytest.mark.parametrize("path", USER_COMPOSE)
def test_compose_fallbacks_are_the_registry_defaults(path):
    text = (ROOT / path).read_text(encoding="utf-8")
    for name, fallback in DEFAULTED.findall(text):
        setting = SETTINGS.get(name)
        if setting is None or not fallback or callable(setting.default):
            continue
        assert setting.parse(fallback) == setting.default, (
            f"{path}: ${{{name}:-{fallback}}} but the registry's default is {setting.shown_default()}"
        )


def nginx_templates():
    """What the image's entrypoint renders or runs with the environment (deploy/nginx/Dockerfile)."""
    nginx = ROOT / "deploy" / "nginx"
    return sorted([*nginx.rglob("*.template"), nginx / "routes.conf", *nginx.glob("*.envsh")])


def derived_by_the_image() -> set[str]:
    """Names the image's entrypoint scripts export from settings (e.g. server_name from SITE_HOSTS)."""
    names = set()
    for script in (ROOT / "deploy" / "nginx").glob("*.envsh"):
        names |= set(re.findall(r"^export ([A-Z_][A-Z0-9_]*)", script.read_text(encoding="utf-8"), re.M))
    return names


NGINX_VARIABLE = re.compile(r"\$\{?([A-Z_][A-Z0-9_]*)")


@pytest.mark.parametrize("template", nginx_templates(), ids=lambda p: p.name)
def test_nginx_templates_use_settings_compose_passes_to_nginx(template):
    passed = set()
    for path in USER_COMPOSE:
        passed |= set(environment(service_in(path, "nginx")))
    used = set(NGINX_VARIABLE.findall(template.read_text(encoding="utf-8"))) - derived_by_the_image()
    for name in used:
        setting = SETTINGS.get(name)
        assert setting and "nginx" in setting.read_by, f"{template.name} uses {name}, not an nginx setting"
        assert name in passed, f"{template.name} uses {name}, which compose never passes to nginx"


def test_nginx_image_defaults_are_the_registry_defaults():
    dockerfile = (ROOT / "deploy" / "nginx" / "Dockerfile").read_text(encoding="utf-8")
    defaults = dict(re.findall(r"\b([A-Z][A-Z0-9_]+)=(\S+?)\s*\\?$", dockerfile, re.M))
    nginx_settings = [s for s in SETTINGS.values() if "nginx" in s.read_by and s.name in defaults]
    assert nginx_settings, "deploy/nginx/Dockerfile sets no setting's default"
    for setting in nginx_settings:
        assert setting.parse(defaults[setting.name]) == setting.default_for({}), (
            f"deploy/nginx/Dockerfile: {setting.name}={defaults[setting.name]}, "
            f"the registry's default is {setting.shown_default()}"
        )


def test_generated_files_are_up_to_date():
    """.env.example, the README's table and Kubernetes' config.env come from the registry."""
    proc = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "settings"), "--check"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr


# --- the code reads every setting through the registry ------------------------


def code_files():
    """(file, the containers that run it): servicekit runs in all three apps."""
    # Not the registry itself: its derived defaults read other settings' defaults.
    files = [
        (p, settings.APPS)
        for p in (ROOT / "lib" / "servicekit" / "src").rglob("*.py")
        if p.name != "settings.py"
    ]
    for service, package in (("web", "web"), ("ws", "ws"), ("db-api", "dbapi")):
        base = ROOT / "services" / service
        for path in [base / "gunicorn.conf.py", *(base / package).rglob("*.py")]:
            files.append((path, ("migrate",) if path.name == "migrate.py" else (service,)))
    return files


def env_reads(tree: ast.AST):
    """Names read with value(env, "NAME"), and any other read of os.environ."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            target = ast.unparse(func)
            if name == "value" and len(node.args) == 2 and isinstance(node.args[1], ast.Constant):
                yield "registry", node.args[1].value
            elif target in ("os.environ.get", "os.getenv", "environ.get") and "os" in target:
                yield "direct", ast.unparse(node)
        elif (
            isinstance(node, ast.Subscript)
            and ast.unparse(node.value) == "os.environ"
            and isinstance(node.ctx, ast.Load)
        ):
            yield "direct", ast.unparse(node)


@pytest.mark.parametrize(("path", "runs_in"), code_files(), ids=lambda v: getattr(v, "name", ""))
def test_code_reads_settings_only_through_the_registry(path, runs_in):
    for how, what in env_reads(ast.parse(path.read_text(encoding="utf-8"))):
        assert how == "registry", f"{path.relative_to(ROOT)} reads {what} around the registry"
        setting = SETTINGS.get(what)
        assert setting, f"{path.relative_to(ROOT)} reads {what}, which the registry does not list"
        assert set(runs_in) & set(setting.read_by), (
            f"{path.relative_to(ROOT)} reads {what}, but the registry says none of {runs_in} reads it"
        )


# --- the other deployments name only registered settings ----------------------


def k8s_env_files():
    return sorted((ROOT / "deploy" / "k8s").rglob("*.env"))


@pytest.mark.parametrize("path", k8s_env_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_kubernetes_config_holds_valid_settings(path):
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        name, _, text = line.partition("=")
        setting = SETTINGS.get(name)
        assert setting, f"{path.name}: {name} is not a setting"
        if text:
            setting.parse(text)


def test_swarm_stack_names_only_settings():
    stack = yaml.safe_load((ROOT / "deploy" / "swarm" / "stack.yml").read_text(encoding="utf-8"))
    for name in settings.PYTHON_SERVICES:
        for key in environment(stack["services"].get(name) or {}):
            assert key in SETTINGS or key in SECRET_FILES, f"deploy/swarm/stack.yml: {name} gets {key}"


def test_every_container_rotates_its_logs():
    for name, service in compose("docker-compose.yml")["services"].items():
        logging = service.get("logging") or {}
        options = logging.get("options") or {}
        assert logging.get("driver") == "json-file", f"{name} keeps its log unrotated"
        assert options.get("max-size") == "${LOG_MAX_SIZE:-10m}", name
        assert options.get("max-file") == "${LOG_MAX_FILE:-5}", name
