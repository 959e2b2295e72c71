"""What a figure is, and the helpers that read one back from the saved results."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from harness.cpu import CpuMeter
from harness.settings import Settings
from harness.stats import median


@dataclass(frozen=True)
class Figure:
    """One row of the goals table: how to read its value from the results, and what it means.

    ``definition`` is the exact definition printed in docs/benchmarks.md: what
    is measured, how, and what the measured path includes.
    """

    id: str
    title: str
    definition: str
    goal_text: str
    goal: float | None
    higher_is_better: bool
    value: Callable[[dict], float | None]
    fmt: str = "{:.2f}"
    detail: Callable[[dict], str] = field(default=lambda r: "")

    def shown(self, results: dict) -> str:
        value = self.value(results)
        return "n/a" if value is None else self.fmt.format(value)

    def verdict(self, results: dict) -> str:
        value = self.value(results)
        if value is None or self.goal is None:
            return "not measured" if value is None else "information"
        ok = value >= self.goal if self.higher_is_better else value <= self.goal
        return "meets" if ok else "**misses**"


@dataclass
class Context:
    """What every measurement gets: the knobs, the CPU meter, the output folder, the seeded data."""

    settings: Settings
    meter: CpuMeter
    out: Path
    results: dict
    seed: dict


def runs(r: dict, name: str) -> list[dict]:
    return r.get("runs", {}).get(name, [])


def rate(r: dict, name: str) -> str:
    found = runs(r, name)
    return f"{median(found):,.0f}/s" if found else "n/a"


def ratio(r: dict, a: str, b: str) -> float | None:
    ra, rb = runs(r, a), runs(r, b)
    return median(ra) / median(rb) if ra and rb and median(rb) else None
