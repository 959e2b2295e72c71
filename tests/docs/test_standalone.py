"""The repository stands alone: a fresh clone has nothing beside it, so no
tracked file may point outside it. Only CI's entry point, which prepares the
CI machine, may use what that machine keeps next to the checkout."""

from __future__ import annotations

import re

from docs.mdtext import ROOT, tracked_files

ALLOWED = {".ci/run"}
# A sibling directory of the checkout, a path on one machine, or the notes and
# contract this project was started from. (The brackets keep this file from
# matching a plain search for those words.)
OUTSIDE = re.compile(r"\.\./s[h]ared\b|\bs[h]ared/(?:design|tools)\b|/w[o]rk/|s[t]ack-notes|c[o]ntract\.md")


def test_no_tracked_file_points_outside_the_repository():
    offenders = []
    for name in tracked_files():
        if name in ALLOWED:
            continue
        try:
            text = (ROOT / name).read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue  # binary
        for number, line in enumerate(text.splitlines(), 1):
            if OUTSIDE.search(line):
                offenders.append(f"{name}:{number}: {line.strip()}")
    assert not offenders, "\n".join(offenders)


def test_the_check_finds_a_pointer():
    assert OUTSIDE.search("see ../" + "sha" + "red/design for why")
    assert OUTSIDE.search("(stack" + "-notes, DBUtils)")
    assert not OUTSIDE.search("the shared session in Redis")
