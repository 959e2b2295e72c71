"""Attack 5: Host header poisoning, at the default limits.

Before: ``GET /login`` with ``Host: evil.example`` answered ``301`` to
``http://evil.example/auth/login``. Now a Host outside ``SITE_HOSTS`` is
answered 400 by Nginx's default server (and would be by every service's
``TRUSTED_HOSTS``), so no redirect or link is built from it.
"""

from __future__ import annotations

import requests
from e2e.stack import client_address

# "" sends no usable Host at all: Nginx's own 400.
HOSTS = ["evil.example", "evil.example:18080", "127.0.0.1.evil.example", "localhost.evil.example", ""]
PATHS = ["/login", "/rooms", "/auth/login?next=%2Frooms", "/api/v1/me", "/ws/rooms/general", "/health"]


def test_an_unknown_host_never_reaches_a_redirect(base_url, under_attack):
    address = client_address()
    with under_attack():
        answers = {
            (host, path): requests.get(
                base_url + path,
                headers={"Host": host, "X-Forwarded-For": address},
                allow_redirects=False,
                timeout=10,
            )
            for host in HOSTS
            for path in PATHS
        }
    for (host, path), answer in answers.items():
        assert answer.status_code == 400, f"{host!r} {path}: {answer.status_code}"
        assert "Location" not in answer.headers, f"{host!r} {path} redirects to {answer.headers['Location']}"
        if host:
            assert host.split(":")[0] not in answer.text
        if host and path.startswith(("/api/", "/ws/")):
            assert answer.json()["error"]["code"] == "bad_request"


def test_the_site_itself_still_redirects_to_itself(base_url):
    answer = requests.get(f"{base_url}/login", allow_redirects=False, timeout=10)
    assert answer.status_code == 301
    assert answer.headers["Location"] == f"{base_url}/auth/login"
