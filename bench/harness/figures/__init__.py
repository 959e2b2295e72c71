"""The figures, one module per kind of measurement, in the order `make bench` runs them.

Each module has ``measure(ctx)`` (skipping itself unless its key is wanted)
and ``FIGURES``, the goals-table rows it feeds, defined next to the code.
"""

from harness.figures import broadcast, fleet, loadtest, openloop, replicas, requests, steps

MODULES = (requests, steps, openloop, broadcast, loadtest, replicas, fleet)


def all_figures() -> list:
    return [figure for module in MODULES for figure in module.FIGURES]
