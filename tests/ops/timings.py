"""What the ops run measures (make targets' durations, the backup's size), printed at the end
of the run by conftest.py: the figures docs/operations.md quotes come from those lines."""

TIMINGS: dict[str, float] = {}
