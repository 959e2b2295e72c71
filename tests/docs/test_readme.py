"""What the README and the other docs name exists: make targets, settings,
and the files and headings their links point to."""

from __future__ import annotations

import re
from pathlib import PurePosixPath

import pytest
from docs.mdtext import ROOT, anchors, first_cells, links, read, tracked_files

MARKDOWN = sorted(name for name in tracked_files() if name.endswith(".md"))
# Where people read how to run things.
RUN_DOCS = ["README.md", "CONTRIBUTING.md", *sorted(n for n in MARKDOWN if n.startswith("docs/"))]
SETTINGS_BEGIN, SETTINGS_END = "<!-- settings:begin -->", "<!-- settings:end -->"
NAME = re.compile(r"`([A-Z][A-Z0-9_]+)`")


def make_targets() -> set[str]:
    return set(re.findall(r"^([a-z][a-z0-9-]*):(?!=)", read("Makefile"), re.M))


def code_spans_and_blocks(text: str) -> list[str]:
    """Inline code and the lines of fenced blocks: where commands are written."""
    blocks = re.findall(r"^ {0,3}```[^\n]*\n(.*?)^ {0,3}```", text, re.M | re.S)
    spans = re.findall(r"`([^`\n]+)`", re.sub(r"^ {0,3}```.*?^ {0,3}```", "", text, flags=re.M | re.S))
    return [line for block in blocks for line in block.splitlines()] + spans


def named_targets(text: str) -> set[str]:
    found = set()
    for code in code_spans_and_blocks(text):
        found.update(re.findall(r"(?:^|[\s;&|(])make ([a-z][a-z0-9-]*)", code))
    return found


@pytest.mark.parametrize("doc", RUN_DOCS)
def test_every_make_target_a_doc_names_exists(doc):
    missing = named_targets(read(doc)) - make_targets()
    assert not missing, f"{doc} names make targets the Makefile lacks: {sorted(missing)}"


def test_the_readme_names_make_targets_at_all():
    assert {"up", "test", "down"} <= named_targets(read("README.md"))


def settings_table() -> str:
    readme = read("README.md")
    assert readme.count(SETTINGS_BEGIN) == 1 and readme.count(SETTINGS_END) == 1
    return readme.split(SETTINGS_BEGIN, 1)[1].split(SETTINGS_END, 1)[0]


def env_example_names() -> set[str]:
    return set(re.findall(r"^([A-Z][A-Z0-9_]*)=", read(".env.example"), re.M))


def names_the_code_reads() -> set[str]:
    """Settings read by the services' config code, gunicorn configs, migrate and the compose files."""
    sources = [
        *(ROOT / "lib/servicekit/src/servicekit").glob("*.py"),
        *(ROOT / "services").glob("*/*/config.py"),
        *(ROOT / "services").glob("*/gunicorn.conf.py"),
        ROOT / "services/db-api/dbapi/migrate.py",  # the database users' settings
    ]
    names = set()
    for path in sources:
        text = path.read_text(encoding="utf-8")
        names.update(re.findall(r"env_\w+\(\s*environ,\s*\"([A-Z][A-Z0-9_]*)\"", text))
        names.update(re.findall(r"environ(?:\.get\(|\[)\s*\"([A-Z][A-Z0-9_]*)\"", text))
        names.update(f"{name}_FILE" for name in re.findall(r"env_secret\(\s*environ,\s*\"([A-Z_]+)\"", text))
    for compose in [ROOT / "docker-compose.yml", *(ROOT / "deploy").glob("*/*.yaml")]:
        names.update(re.findall(r"\$\{([A-Z][A-Z0-9_]*)", compose.read_text(encoding="utf-8")))
    return names


def test_every_setting_in_the_readme_table_is_read_somewhere():
    documented = {name for cell in first_cells(settings_table()) for name in NAME.findall(cell)}
    assert documented, "no settings found between the settings markers"
    unknown = documented - env_example_names() - names_the_code_reads()
    assert not unknown, f"README settings that nothing reads: {sorted(unknown)}"


def test_every_setting_of_env_example_is_in_the_readme_table():
    documented = {name for cell in first_cells(settings_table()) for name in NAME.findall(cell)}
    missing = env_example_names() - documented
    assert not missing, f".env.example settings missing from the README table: {sorted(missing)}"


def resolve(doc: str, target: str) -> tuple[PurePosixPath, str]:
    path, _, anchor = target.partition("#")
    base = PurePosixPath(doc).parent
    resolved = PurePosixPath(doc) if not path else PurePosixPath(*(base / path).parts)
    parts: list[str] = []
    for part in resolved.parts:
        if part == "..":
            assert parts, f"{doc}: {target} leaves the repository"
            parts.pop()
        elif part != ".":
            parts.append(part)
    return PurePosixPath(*parts), anchor


@pytest.mark.parametrize("doc", MARKDOWN)
def test_every_link_points_to_a_file_and_heading_that_exist(doc):
    for target in links(read(doc)):
        if re.match(r"[a-z][a-z0-9+.-]*:", target):  # https:, mailto:
            continue
        path, anchor = resolve(doc, target)
        assert (ROOT / path).exists(), f"{doc}: link to {target}, but {path} does not exist"
        if anchor and path.suffix == ".md":
            assert anchor in anchors(read(str(path))), f"{doc}: link to {target}, no such heading in {path}"
