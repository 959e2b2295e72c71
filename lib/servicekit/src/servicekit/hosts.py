"""Host validation: a request naming another site is a 400 before any view.

Flask checks ``TRUSTED_HOSTS`` (the site's ``SITE_HOSTS`` and the name the
service is called by inside) when it routes a request, so no redirect or
external URL is ever built from an attacker's ``Host``. Nginx refuses unknown
hosts first (its default server); this holds for whatever reaches a service
directly. The probe paths are exempt: the kubelet and Prometheus call a
replica by its address, and those answers build no URL.
"""

from __future__ import annotations

from flask import Flask, Request, request
from werkzeug.exceptions import SecurityError


class HostCheckedRequest(Request):
    """Flask's request, whose ``trusted_hosts`` is waived on the probe paths."""

    probe_paths: frozenset[str] = frozenset()
    _trusted_hosts: list[str] | None = None

    @property
    def trusted_hosts(self) -> list[str] | None:
        return None if self.path in self.probe_paths else self._trusted_hosts

    @trusted_hosts.setter
    def trusted_hosts(self, value: list[str] | None) -> None:
        self._trusted_hosts = value


def init_hosts(app: Flask, probe_paths: frozenset[str]) -> None:
    app.request_class = type("HostCheckedRequest", (HostCheckedRequest,), {"probe_paths": probe_paths})


def host_refused() -> bool:
    """True when the current request's ``Host`` is not trusted (for code that
    answers before Flask dispatches, such as ws's handshake)."""
    return isinstance(request.routing_exception, SecurityError)
