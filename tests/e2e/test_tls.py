"""`make up TLS=1`: HTTPS with HSTS and Secure cookies, HTTP redirecting to it.

These run in the TLS phase of scripts/test-stack.sh (scripts/test-tls.sh),
which sets BASE_URL to the HTTPS address and HTTP_URL to the plain one.
"""

import os

import pytest
import requests

pytestmark = pytest.mark.tls


@pytest.fixture
def http_url() -> str:
    return os.environ["HTTP_URL"]


def test_served_over_https_with_hsts(base_url):
    assert base_url.startswith("https://")
    response = requests.get(f"{base_url}/health", timeout=5)
    assert response.status_code == 200
    assert "max-age=" in response.headers["Strict-Transport-Security"]


def test_plain_http_redirects_to_https(http_url, base_url):
    response = requests.get(f"{http_url}/rooms?x=1", allow_redirects=False, timeout=5)
    assert response.status_code == 301
    assert response.headers["Location"] == f"{base_url}/rooms?x=1"


def test_session_cookie_is_secure(base_url, credentials):
    client = requests.Session()
    client.post(f"{base_url}/api/v1/auth/register", json=credentials, timeout=5)
    response = client.post(f"{base_url}/api/v1/auth/login", json=credentials, timeout=5)
    assert response.status_code == 200
    cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
