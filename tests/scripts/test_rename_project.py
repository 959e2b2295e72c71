"""scripts/rename-project on a copy of the tracked files: the old name is gone
everywhere but LICENSE, and what it touched still parses and still fits
together (YAML, Python, shell, JSON, TOML, Dockerfile sources, kustomize)."""

from __future__ import annotations

import ast
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import tomllib
import yaml
from compose_yaml import load_all
from docs.mdtext import ROOT, tracked_files

OLD, NEW, CLASS = "roomservice", "chatapp", "Chatapp"
SCRIPT = "scripts/rename-project"
KUBECTL = shutil.which("kubectl", path=str(Path(sys.executable).parent))


def git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "init.defaultBranch=main", *args], cwd=cwd, check=True, capture_output=True)


def rename(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, SCRIPT, *args], cwd=cwd, capture_output=True, text=True, timeout=120
    )


@pytest.fixture(scope="module")
def renamed(tmp_path_factory) -> Path:
    copy = tmp_path_factory.mktemp("renamed")
    for name in tracked_files():
        (copy / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, copy / name)
    git(copy, "init", "-q")
    git(copy, "add", "-A")
    result = rename(copy, NEW)
    assert result.returncode == 0, result.stderr
    return copy


def files(root: Path) -> list[Path]:
    return sorted(path for path in root.rglob("*") if path.is_file() and ".git" not in path.parts)


def text_of(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return None


def test_the_old_name_remains_only_in_the_license(renamed):
    left = [
        str(path.relative_to(renamed))
        for path in files(renamed)
        if OLD in str(path.relative_to(renamed)).lower() or OLD in (text_of(path) or "").lower()
    ]
    assert left == ["LICENSE"]
    assert (renamed / "LICENSE").read_text() == (ROOT / "LICENSE").read_text()


def test_each_spelling_gets_its_new_form(renamed):
    compose = (renamed / "docker-compose.yml").read_text()
    assert f"name: ${{COMPOSE_PROJECT_NAME:-{NEW}}}" in compose
    assert f"image: {NEW}/web:" in compose
    assert f"class {CLASS}Worker(" in (renamed / "services/ws/ws/transport.py").read_text()
    metrics = (renamed / "lib/servicekit/src/servicekit/metrics.py").read_text()
    assert f'"{NEW}_http_requests_total"' in metrics
    assert (renamed / f"deploy/nginx/{NEW}.conf").is_file()
    assert not (renamed / f"deploy/nginx/{OLD}.conf").exists()


def test_yaml_json_and_toml_still_parse(renamed):
    for path in files(renamed):
        if path.suffix in {".yml", ".yaml"}:
            load_all(path.read_text())
        elif path.suffix == ".json":
            json.loads(path.read_text())
        elif path.suffix == ".toml":
            tomllib.loads(path.read_text())


def shebang(path: Path) -> str:
    first = (text_of(path) or "").split("\n", 1)[0]
    return first if first.startswith("#!") else ""


def test_python_still_parses(renamed):
    sources = [p for p in files(renamed) if p.suffix == ".py" or "python" in shebang(p)]
    assert len(sources) > 50
    for path in sources:
        ast.parse(path.read_text(), filename=str(path))


def test_shell_scripts_still_parse(renamed):
    scripts = [p for p in files(renamed) if re.search(r"\b(ba)?sh\b", shebang(p))]
    assert scripts
    for path in scripts:
        result = subprocess.run(["bash", "-n", str(path)], capture_output=True, text=True)
        assert result.returncode == 0, f"{path}: {result.stderr}"


def test_every_dockerfile_copies_files_that_exist(renamed):
    """A source must exist in one of the two build contexts the project uses:
    the repository root or the Dockerfile's own directory."""
    for dockerfile in renamed.rglob("*Dockerfile"):
        for line in re.findall(r"^COPY (?!--from)(.+)$", dockerfile.read_text(), re.M):
            sources = [part for part in line.split()[:-1] if not part.startswith("--")]
            for source in sources:
                found = (renamed / source).exists() or (dockerfile.parent / source).exists()
                assert found, f"{dockerfile.relative_to(renamed)}: COPY {source}"


@pytest.mark.skipif(KUBECTL is None, reason="kubectl comes with `make venv`")
@pytest.mark.parametrize("overlay", ["dev", "production"])
def test_kubernetes_overlays_still_render(renamed, overlay):
    result = subprocess.run(
        [KUBECTL, "kustomize", str(renamed / "deploy/k8s/overlays" / overlay)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    namespaces = {doc["metadata"].get("namespace") for doc in yaml.safe_load_all(result.stdout) if doc}
    assert all(NEW in namespace for namespace in namespaces if namespace)


def test_a_name_that_breaks_the_rules_is_refused(renamed):
    for bad in ("Chat-App", "chat_app", "9lives", "x"):
        result = rename(renamed, bad)
        assert result.returncode == 2, bad
    assert (renamed / f"deploy/nginx/{NEW}.conf").is_file()


def test_renaming_to_the_current_name_changes_nothing(renamed):
    before = {path: path.read_bytes() for path in files(renamed)}
    result = rename(renamed, NEW)
    assert result.returncode == 0
    assert "already called" in result.stdout
    assert {path: path.read_bytes() for path in files(renamed)} == before
