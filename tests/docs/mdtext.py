"""Reading the project's Markdown the way the doc tests need it: sections,
table rows, the routes a page defines, links and GitHub's heading anchors."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

METHOD = r"(?:GET|POST|PUT|PATCH|DELETE)"
# `GET /path`, `GET, POST /path`, `GET /path?query`: the methods and the path.
ROUTE = re.compile(rf"`({METHOD}(?:, ?{METHOD})*) (/[^`\s?]*)[^`]*`")
HEADING = re.compile(r"^(#{1,6}) +(.+?) *#*$")
FENCE = re.compile(r"^ {0,3}(```|~~~)")


def read(relative: str) -> str:
    return (ROOT / relative).read_text(encoding="utf-8")


def tracked_files() -> list[str]:
    """The repository's tracked files (what a fresh clone has)."""
    out = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout
    return [name for name in out.split("\0") if name and (ROOT / name).is_file()]


def without_code_blocks(text: str) -> str:
    """The text with fenced code blocks blanked (their lines kept empty)."""
    lines, fenced = [], False
    for line in text.splitlines():
        if FENCE.match(line):
            fenced = not fenced
            lines.append("")
            continue
        lines.append("" if fenced else line)
    return "\n".join(lines)


def section(text: str, title: str) -> str:
    """The body of the first heading named ``title``, up to the next heading of its level or higher."""
    lines = without_code_blocks(text).splitlines()
    for start, line in enumerate(lines):
        match = HEADING.match(line)
        if match and match.group(2) == title:
            level = len(match.group(1))
            body = []
            for other in lines[start + 1 :]:
                heading = HEADING.match(other)
                if heading and len(heading.group(1)) <= level:
                    break
                body.append(other)
            return "\n".join(body)
    raise AssertionError(f"no heading {title!r}")


def first_cells(text: str) -> list[str]:
    """The first cell of every table body row (not the header, not the ``|---|`` line)."""
    cells: list[str] = []
    for line in text.splitlines():
        if not line.startswith("|"):
            continue
        if re.fullmatch(r"\|(\s*:?-+:?\s*\|)+", line.strip()):
            cells.pop()  # the row above a separator is the header
            continue
        cells.append(line.split("|")[1].strip())
    return cells


def normalise(path: str) -> str:
    """Flask's ``/files/<int:file_id>`` and OpenAPI's ``/files/{file_id}`` as one notation."""
    return re.sub(r"<(?:[a-z_]+:)?([a-z_]+)>", r"{\1}", path)


def defined_routes(text: str) -> set[tuple[str, str]]:
    """(METHOD, path) for every route a page defines: a heading or a table row's first cell."""
    routes = set()
    for line in without_code_blocks(text).splitlines():
        heading = HEADING.match(line)
        if heading:
            candidate = heading.group(2)
        elif line.startswith("|"):
            candidate = line.split("|")[1].strip()
        else:
            continue
        match = ROUTE.match(candidate)
        if match:
            for method in re.split(r", ?", match.group(1)):
                routes.add((method, normalise(match.group(2))))
    return routes


def anchors(text: str) -> set[str]:
    """GitHub's anchors for the headings of a page."""
    seen: dict[str, int] = {}
    result = set()
    for line in without_code_blocks(text).splitlines():
        match = HEADING.match(line)
        if not match:
            continue
        slug = re.sub(r"[^\w\- ]", "", match.group(2).lower()).replace(" ", "-")
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        result.add(slug if count == 0 else f"{slug}-{count}")
    return result


LINK = re.compile(r"\]\(([^)\s]+)\)")


def links(text: str) -> list[str]:
    """Targets of Markdown links and images outside code blocks and code spans."""
    prose = re.sub(r"`[^`\n]*`", "", without_code_blocks(text))
    return LINK.findall(prose)
