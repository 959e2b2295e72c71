"""What an attacker tries through Nginx, and that it fails.

Brute force (429 per address and per account at low limits) is proven in
services/db-api/tests/integration/test_ratelimit.py and web's unit tests,
since this stack runs with the limits raised; SQL injection and bad input in
test_bad_input.py; WebSocket Origin in services/ws/tests.
"""

import html
import re
import secrets

import pytest
import requests
from e2e.stack import new_room, register_and_login

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
PAYLOAD = '<img src=x onerror="alert(1)">'


def csrf_token(client: requests.Session, url: str) -> str:
    match = CSRF.search(client.get(url, timeout=5).text)
    assert match, f"no csrf_token on {url}"
    return html.unescape(match.group(1))


@pytest.mark.parametrize(
    "path", ["/auth/register", "/auth/login", "/auth/logout", "/rooms", "/rooms/{room}/files"]
)
def test_every_form_refuses_a_post_without_its_csrf_token(base_url, logged_in, path):
    room = new_room(base_url, logged_in)
    url = base_url + path.format(room=room)
    response = logged_in.post(url, data={"name": "x", "username": "x", "password": "y"}, timeout=5)
    assert response.status_code == 400
    assert "<html" in response.text.lower()


def test_a_planted_session_id_is_never_adopted(base_url, credentials):
    planted_id = "attacker-chosen-session-id-" + secrets.token_hex(8)
    planted = {"Cookie": f"session={planted_id}"}
    requests.post(f"{base_url}/api/v1/auth/register", json=credentials, headers=planted, timeout=5)
    login = requests.post(f"{base_url}/api/v1/auth/login", json=credentials, headers=planted, timeout=5)
    assert login.status_code == 200
    assert login.cookies.get("session") not in (None, planted_id)
    assert requests.get(f"{base_url}/api/v1/me", headers=planted, timeout=5).status_code == 401


@pytest.mark.parametrize(
    "target", ["//evil.example/", "/\\evil.example/", "https://evil.example/", "javascript:x"]
)
def test_login_never_redirects_off_site(base_url, credentials, target):
    client = register_and_login(base_url, credentials)
    client.post(f"{base_url}/api/v1/auth/logout", timeout=5)
    login = f"{base_url}/auth/login?next={requests.utils.quote(target, safe='')}"
    token = csrf_token(client, login)
    response = client.post(login, data={"csrf_token": token, **credentials}, allow_redirects=False, timeout=5)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/rooms")


def test_stored_xss_in_room_names_and_messages_is_escaped(base_url, logged_in):
    name = f"{PAYLOAD} {secrets.token_hex(3)}"
    room = logged_in.post(f"{base_url}/api/v1/rooms", json={"name": name}, timeout=5).json()["slug"]
    logged_in.post(
        f"{base_url}/api/v1/rooms/{room}/messages", json={"body": f"<script>x</script>{PAYLOAD}"}, timeout=5
    )
    for page in (
        logged_in.get(f"{base_url}/rooms", timeout=5),
        logged_in.get(f"{base_url}/rooms/{room}", timeout=5),
    ):
        assert page.status_code == 200
        assert PAYLOAD not in page.text
        assert "<script>x</script>" not in page.text
        assert html.escape(PAYLOAD, quote=False) in page.text or "&lt;img" in page.text


def test_stored_xss_in_file_names_is_escaped(base_url, logged_in):
    room = new_room(base_url, logged_in)
    url = f"{base_url}/rooms/{room}"
    token = csrf_token(logged_in, url)
    upload = logged_in.post(
        f"{url}/files",
        data={"csrf_token": token},
        files={"file": (f"{PAYLOAD}.txt", b"hello", "text/plain")},
        allow_redirects=False,
        timeout=10,
    )
    assert upload.status_code == 302
    page = logged_in.get(url, timeout=5)
    assert PAYLOAD not in page.text
    link = re.search(r'href="(/files/\d+)"', page.text)
    download = logged_in.get(base_url + link.group(1), timeout=5)
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert "<" not in download.headers["Content-Disposition"]


def test_session_cookie_flags(base_url, credentials):
    client = requests.Session()
    client.post(f"{base_url}/api/v1/auth/register", json=credentials, timeout=5)
    cookie = client.post(f"{base_url}/api/v1/auth/login", json=credentials, timeout=5).headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie, "plain HTTP here; TLS=1 adds Secure (test_tls.py)"


def test_pages_carry_the_security_headers(base_url):
    headers = requests.get(f"{base_url}/auth/login", timeout=5).headers
    csp = headers["Content-Security-Policy"]
    script_src = re.search(r"script-src ([^;]+)", csp).group(1)
    assert "'unsafe-inline'" not in script_src
    assert "frame-ancestors 'none'" in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"]
