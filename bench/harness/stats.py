"""The statistics every figure uses, one definition each."""

from __future__ import annotations

import statistics


def percentile(values: list[float], q: float) -> float | None:
    """Nearest-rank percentile (``q`` in 0..1) of ``values``; ``None`` for no values.

    The same rule as the client tools (bench/tools), so a p99 means the same everywhere.
    """
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def median(runs: list[dict], key: str = "rps") -> float:
    """Median of ``key`` over the runs that have it (0 when none do)."""
    values = [r[key] for r in runs if key in r]
    return statistics.median(values) if values else 0.0


def errors_of(runs: list[dict]) -> int:
    return sum(r.get("non2xx", 0) + r.get("socket_errors", 0) + r.get("errors", 0) for r in runs)
