"""Each service refuses the same edge cases of one rule (servicekit.rules),
through Nginx: web's forms, db-api's JSON API and ws's frames give the same
verdict with the rule's own message, and the same logout leaves the same
state whichever service ran it."""

import html
import json
import os
import re
import secrets

import pytest
import requests
from e2e.test_shared_login import COOKIE, handshake_status, next_frame_of_type, open_ws
from redis import Redis

from servicekit.rules import MESSAGE_BODY, ROOM_NAME, USERNAME, RuleError

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def problem(rule, value) -> str:
    with pytest.raises(RuleError) as info:
        rule.clean(value)
    return info.value.problem


def csrf_token(client: requests.Session, url: str) -> str:
    page = client.get(url, timeout=10)
    assert page.status_code == 200, page.status_code
    return CSRF.search(page.text).group(1)


def web_form(client: requests.Session, url: str, data: dict) -> requests.Response:
    return client.post(
        url, data={"csrf_token": csrf_token(client, url), **data}, timeout=10, allow_redirects=False
    )


@pytest.mark.parametrize(
    "username",
    ["trailing_newline\n", "x" * 33, "", "bell\x07name"],
    ids=["trailing-newline", "too-long", "empty", "control-char"],
)
def test_web_and_the_api_refuse_the_same_usernames(base_url, username):
    expected = problem(USERNAME, username)
    credentials = {"username": username, "password": "correct horse battery"}
    api = requests.post(f"{base_url}/api/v1/auth/register", json=credentials, timeout=10)
    assert api.status_code == 422, api.text
    assert api.json()["error"]["fields"]["username"] == expected
    page = web_form(
        requests.Session(), f"{base_url}/auth/register", {**credentials, "confirm": credentials["password"]}
    )
    assert page.status_code == 422
    assert html.escape(f"Username {expected}.", quote=True) in page.text


@pytest.mark.parametrize(
    "name",
    ["x" * 65, " \n ", "bell\x07room", "two\nlines"],
    ids=["too-long", "empty", "control-char", "newline"],
)
def test_web_and_the_api_refuse_the_same_room_names(base_url, user, name):
    expected = problem(ROOM_NAME, name)
    api = user.post(f"{base_url}/api/v1/rooms", json={"name": name}, timeout=10)
    assert api.status_code == 422, api.text
    assert api.json()["error"]["fields"]["name"] == expected
    page = web_form(user, f"{base_url}/rooms", {"name": name})
    assert page.status_code == 422
    assert html.escape(f"Room name {expected}.", quote=True) in page.text


def test_a_trailing_newline_is_trimmed_from_a_room_name_by_web_and_the_api_alike(base_url, user):
    name = f"Trimmed {secrets.token_hex(4)}"
    api = user.post(f"{base_url}/api/v1/rooms", json={"name": name + "\n"}, timeout=10)
    assert api.status_code == 201, api.text
    assert api.json()["name"] == name
    other = f"Trimmed {secrets.token_hex(4)}"
    page = web_form(user, f"{base_url}/rooms", {"name": other + "\n"})
    assert page.status_code == 302, page.text[:300]
    assert user.get(f"{base_url}{page.headers['Location']}", timeout=10).status_code == 200
    slug = page.headers["Location"].rsplit("/", 1)[-1]
    assert user.get(f"{base_url}/api/v1/rooms/{slug}", timeout=10).json()["name"] == other


@pytest.mark.parametrize(
    "body", ["😀" * 2001, "\n\t ", "esc\x1b[31m", "nul\x00"], ids=["too-long", "empty", "control-char", "nul"]
)
def test_ws_and_the_api_refuse_the_same_message_bodies(base_url, user, room, body):
    expected = problem(MESSAGE_BODY, body)
    api = user.post(f"{base_url}/api/v1/rooms/{room}/messages", json={"body": body}, timeout=10)
    assert api.status_code == 422, api.text
    assert api.json()["error"]["fields"]["body"] == expected
    conn = open_ws(base_url, room, user.cookies.get(COOKIE))
    try:
        conn.send(json.dumps({"type": "message", "body": body, "client_id": "rule-check"}))
        frame = next_frame_of_type(conn, "error")
    finally:
        conn.close()
    assert frame["code"] == "validation_error"
    assert frame["message"] == f"body {expected}."
    assert frame["client_id"] == "rule-check"


def log_out_through_api(client: requests.Session, base_url: str) -> None:
    assert client.post(f"{base_url}/api/v1/auth/logout", timeout=10).status_code == 204


def log_out_through_web(client: requests.Session, base_url: str) -> None:
    page = client.get(f"{base_url}/rooms", timeout=10)
    token = re.search(r'action="/auth/logout".*?name="csrf_token"[^>]*value="([^"]+)"', page.text, re.S)
    assert token, "the logged-in page has a logout form"
    response = client.post(
        f"{base_url}/auth/logout", data={"csrf_token": token.group(1)}, timeout=10, allow_redirects=False
    )
    assert response.status_code == 302


@pytest.mark.parametrize("log_out", [log_out_through_api, log_out_through_web], ids=["api", "web"])
def test_both_logouts_leave_the_same_state(base_url, logged_in, room, log_out):
    """servicekit.sessions.log_out behind both: the key and its index entry
    gone, the old cookie anonymous on every service, and what the browser
    keeps (if anything) a signed anonymous cookie, never a session id."""
    redis = Redis.from_url(os.environ["TEST_REDIS_URL"], decode_responses=True)
    old = logged_in.cookies.get(COOKIE)
    user_id = logged_in.get(f"{base_url}/api/v1/me", timeout=10).json()["id"]
    assert redis.exists(f"session:{old}")
    assert redis.zscore(f"session:user:{user_id}", old) is not None

    log_out(logged_in, base_url)

    assert not redis.exists(f"session:{old}")
    assert redis.zscore(f"session:user:{user_id}", old) is None
    kept = logged_in.cookies.get(COOKIE)
    assert kept is None or "." in kept, "an anonymous signed cookie, not a stored session's id"
    replay = requests.Session()
    replay.cookies.set(COOKIE, old)
    assert replay.get(f"{base_url}/api/v1/me", timeout=10).status_code == 401
    assert replay.get(f"{base_url}/rooms", allow_redirects=False, timeout=10).status_code == 302
    assert handshake_status(base_url, room, old) == 401
    assert logged_in.get(f"{base_url}/api/v1/me", timeout=10).status_code == 401
