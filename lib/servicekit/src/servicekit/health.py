"""Liveness and readiness, as docs/api.md ("Health and readiness") describes them.

``/health`` touches nothing (no session either: the session interface skips
these paths), so an orchestrator restarts only a wedged process. ``/ready``
asks each dependency and answers 503 naming the failing one, so a load
balancer stops sending traffic while a dependency is down.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from flask import Blueprint, jsonify

Check = Callable[[], str]


def health_blueprint(
    service: str, prefix: str, checks: Mapping[str, Check], details: Callable[[], dict] | None = None
) -> Blueprint:
    bp = Blueprint("health", __name__)

    @bp.get(f"{prefix}/health")
    def health():
        return jsonify(status="ok", service=service)

    @bp.get(f"{prefix}/ready")
    def ready():
        results = {name: check() for name, check in checks.items()}
        healthy = all(value == "ok" for value in results.values())
        body = {"status": "ok" if healthy else "unavailable", "service": service, "checks": results}
        if details is not None:
            body.update(details())
        return jsonify(body), 200 if healthy else 503

    return bp


def health_paths(prefix: str) -> frozenset[str]:
    return frozenset({f"{prefix}/health", f"{prefix}/ready", "/metrics"})
