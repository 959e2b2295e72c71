"""Draw P11's curve (clients vs broadcast latency) as a PNG: JSON on stdin, PNG on stdout.

Input: {"title": str, "limit_ms": 500, "steps": [{"clients", "last_p50_ms", "last_p95_ms",
"last_max_ms", "passed"}, ...]}. Runs in the bench client image (matplotlib, Agg backend).
"""

import json
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt


def main() -> None:
    data = json.load(sys.stdin)
    steps = data["steps"]
    clients = [s["clients"] for s in steps]
    fig, ax = plt.subplots(figsize=(7, 4), dpi=110)
    for key, label, style in (
        ("last_p95_ms", "p95", "o-"),
        ("last_p50_ms", "p50", "s--"),
        ("last_max_ms", "max", "^:"),
    ):
        values = [s.get(key) if s.get(key) is not None else float("nan") for s in steps]
        ax.plot(clients, values, style, label=f"send → last receipt, {label}")
    ax.axhline(data["limit_ms"], color="red", linewidth=1, label=f"{data['limit_ms']:.0f} ms limit")
    failed = [s["clients"] for s in steps if not s["passed"]]
    if failed:
        ax.axvline(failed[0], color="grey", linestyle=":", linewidth=1, label="first failing step")
    ax.set_xlabel("clients connected to one ws replica")
    ax.set_ylabel("ms")
    ax.set_title(data["title"], fontsize=10)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(sys.stdout.buffer, format="png")


if __name__ == "__main__":
    main()
