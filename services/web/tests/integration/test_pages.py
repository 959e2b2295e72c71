"""Every web route of docs/api.md, end to end through Nginx."""

import re

import pytest
import requests

from .conftest import BASE_URL, PASSWORD, Browser, flashes, unique


def path_of(response) -> str:
    return response.headers["Location"].replace(BASE_URL, "")


def test_home_page(browser):
    page = browser.get("/")
    assert page.status_code == 200
    assert "Rooms where your team talks" in page.text
    assert page.headers["X-Frame-Options"] == "DENY"
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]


def test_register_logs_in_and_lands_on_rooms(browser):
    username = unique("Reg")
    response = browser.register(username)
    assert response.status_code == 302
    assert path_of(response) == "/rooms"
    rooms = browser.get("/rooms")
    assert rooms.status_code == 200
    assert ("success", f"Welcome, {username}! Your account is ready.") in flashes(rooms)
    assert username in rooms.text


def test_register_taken_username_rerenders_with_error(user):
    other = Browser()
    response = other.register(user.username.upper())
    assert response.status_code == 409
    assert "That username is taken." in response.text
    assert ("error", "We could not create that account.") in flashes(response)
    assert other.get("/rooms", allow_redirects=False).status_code == 302  # not logged in


def test_register_invalid_rerenders_without_login(browser):
    response = browser.submit(
        "/auth/register", data={"username": "x", "password": "short", "confirm": "nope"}
    )
    assert response.status_code == 422
    assert "Username must be at least 3 characters." in response.text
    assert browser.get("/rooms", allow_redirects=False).status_code == 302


def test_login_wrong_password(user):
    other = Browser()
    response = other.login(user.username, "wrong password")
    assert response.status_code == 401
    assert ("error", "Wrong username or password.") in flashes(response)
    assert other.get("/rooms", allow_redirects=False).status_code == 302


def test_login_follows_local_next_ignoring_case(user):
    other = Browser()
    response = other.login(user.username.upper(), next_="/rooms/?x=1")
    assert response.status_code == 302
    assert path_of(response) == "/rooms/?x=1"


@pytest.mark.parametrize("evil", ["//evil.example/", "/\\evil.example/", "https://evil.example/"])
def test_login_ignores_foreign_next(user, evil):
    other = Browser()
    response = other.login(user.username, next_=evil)
    assert response.status_code == 302
    assert path_of(response) == "/rooms"


def test_login_changes_the_session_id(user):
    other = Browser()
    other.get("/auth/login")
    before = other.http.cookies.get("session")
    other.login(user.username)
    assert other.http.cookies.get("session") not in (None, before)


def test_anonymous_is_sent_to_login_and_back(user, room):
    other = Browser()
    response = other.get(room["path"] + "?tab=files", allow_redirects=False)
    assert response.status_code == 302
    expected_next = requests.utils.quote(room["path"] + "?tab=files", safe="")
    assert path_of(response) == "/auth/login?next=" + expected_next
    login_page = other.get(path_of(response))
    action = re.search(r'<form class="form" method="post" action="([^"]+)"', login_page.text).group(1)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', login_page.text).group(1)
    done = other.http.post(
        BASE_URL + action.replace("&amp;", "&"),
        data={"csrf_token": token, "username": user.username, "password": PASSWORD},
        allow_redirects=False,
    )
    assert path_of(done) == room["path"] + "?tab=files"


def test_logout_deletes_the_session(user):
    old_cookie = user.http.cookies.get("session")
    response = user.submit("/rooms", action="/auth/logout")
    assert response.status_code == 302
    assert path_of(response) == "/"
    assert ("info", "You are logged out.") in flashes(user.get("/"))
    replay = requests.get(
        BASE_URL + "/rooms", cookies={"session": old_cookie}, allow_redirects=False, timeout=10
    )
    assert replay.status_code == 302


def test_post_without_csrf_is_400(user):
    response = user.http.post(BASE_URL + "/rooms", data={"name": "no token"}, allow_redirects=False)
    assert response.status_code == 400
    assert "This form has expired" in response.text


def test_rooms_with_and_without_slash(user):
    assert user.get("/rooms").status_code == 200
    assert user.get("/rooms/").status_code == 200


def test_create_room_and_see_it(user):
    name = unique("Team <b>Chat</b>")
    response = user.create_room(name)
    assert response.status_code == 302
    slug = path_of(response).rsplit("/", 1)[1]
    assert path_of(response).startswith("/rooms/team-b-chat-b-")
    page = user.get(path_of(response))
    assert page.status_code == 200
    assert "Team &lt;b&gt;Chat&lt;/b&gt;" in page.text
    assert f'data-ws-path="/ws/rooms/{slug}"' in page.text
    assert slug in user.get("/rooms").text


def test_create_room_invalid_and_taken(user, room):
    empty = user.create_room("   ")
    assert empty.status_code == 422
    assert "Room name must not be empty." in empty.text
    taken = user.create_room(room["name"])
    assert taken.status_code == 409
    assert "exists already" in taken.text


def test_room_page_renders_messages_escaped(user, room):
    slug = room["path"].rsplit("/", 1)[1]
    api = user.http.post(
        f"{BASE_URL}/api/v1/rooms/{slug}/messages", json={"body": "<script>alert(1)</script> hi"}, timeout=10
    )
    assert api.status_code == 201, api.text
    page = user.get(room["path"])
    assert "&lt;script&gt;alert(1)&lt;/script&gt; hi" in page.text
    assert "<script>alert(1)" not in page.text
    assert f'data-last-id="{api.json()["id"]}"' in page.text


def test_unknown_room_and_path_are_404_pages(user):
    assert user.get("/rooms/no-such-room-" + unique("x").lower()).status_code == 404
    page = user.get("/no/such/page")
    assert page.status_code == 404
    assert "Page not found" in page.text


def test_moved_pages(browser):
    for old, new in (("/login", "/auth/login"), ("/register", "/auth/register"), ("/r/abc", "/rooms/abc")):
        response = browser.get(old, allow_redirects=False)
        assert response.status_code == 301
        assert path_of(response) == new


def test_static_files_come_from_nginx(browser):
    page = browser.get("/")
    css = re.search(r'href="(/static/app\.css\?v=\w+)"', page.text).group(1)
    response = browser.get(css)
    assert response.status_code == 200
    assert "text/css" in response.headers["Content-Type"]
