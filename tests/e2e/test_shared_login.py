"""One login works everywhere (docs/api.md, "Conventions"): web, /api/ and /ws/."""

import json

import requests
import websocket

COOKIE = "session"


def ws_url(base_url: str) -> str:
    return base_url.replace("http", "ws", 1) + "/ws/rooms/"


def open_ws(base_url: str, slug: str, cookie: str | None):
    """As the site's own page would: same Origin as the site."""
    return websocket.create_connection(
        ws_url(base_url) + slug,
        origin=base_url,
        cookie=f"{COOKIE}={cookie}" if cookie else None,
        timeout=5,
    )


def next_frame_of_type(conn, kind: str, limit: int = 20) -> dict:
    """The next frame of ``kind``; presence frames may come before it."""
    for _ in range(limit):
        frame = json.loads(conn.recv())
        if frame.get("type") == kind:
            return frame
    raise AssertionError(f"no {kind} frame among the next {limit}")


def handshake_status(base_url: str, slug: str, cookie: str | None) -> int:
    try:
        conn = open_ws(base_url, slug, cookie)
    except websocket.WebSocketBadStatusException as exc:
        return exc.status_code
    conn.close()
    return 101


def make_room(client: requests.Session, base_url: str) -> str:
    response = client.post(f"{base_url}/api/v1/rooms", json={"name": "Shared login check"}, timeout=5)
    if response.status_code == 409:
        return "shared-login-check"
    assert response.status_code == 201, response.text
    return response.json()["slug"]


def test_login_gives_a_new_session_id(base_url, credentials):
    client = requests.Session()
    assert client.post(f"{base_url}/api/v1/auth/register", json=credentials, timeout=5).status_code == 201
    client.get(f"{base_url}/auth/login", timeout=5)
    before = client.cookies.get(COOKIE)
    assert before, "the login form starts an anonymous session (CSRF token)"
    assert client.post(f"{base_url}/api/v1/auth/login", json=credentials, timeout=5).status_code == 200
    after = client.cookies.get(COOKIE)
    assert after and after != before


def test_one_cookie_is_honoured_by_every_service(base_url, logged_in, credentials):
    me = logged_in.get(f"{base_url}/api/v1/me", timeout=5)
    assert me.status_code == 200
    assert me.json()["username"] == credentials["username"]

    page = logged_in.get(f"{base_url}/rooms", allow_redirects=False, timeout=5)
    assert page.status_code == 200
    assert credentials["username"] in page.text

    slug = make_room(logged_in, base_url)
    cookie = logged_in.cookies.get(COOKIE)
    conn = open_ws(base_url, slug, cookie)
    conn.send('{"type": "ping"}')
    assert next_frame_of_type(conn, "pong") == {"type": "pong"}
    conn.close()


def test_ws_refuses_an_anonymous_upgrade(base_url, logged_in):
    slug = make_room(logged_in, base_url)
    assert handshake_status(base_url, slug, None) == 401


def test_after_logout_the_old_cookie_is_anonymous_everywhere(base_url, logged_in):
    slug = make_room(logged_in, base_url)
    old = logged_in.cookies.get(COOKIE)
    assert logged_in.post(f"{base_url}/api/v1/auth/logout", timeout=5).status_code == 204

    replay = requests.Session()
    replay.cookies.set(COOKIE, old)
    assert replay.get(f"{base_url}/api/v1/me", timeout=5).status_code == 401
    page = replay.get(f"{base_url}/rooms", allow_redirects=False, timeout=5)
    assert page.status_code == 302
    assert "/auth/login" in page.headers["Location"]
    assert handshake_status(base_url, slug, old) == 401
