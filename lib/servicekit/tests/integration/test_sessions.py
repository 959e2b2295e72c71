"""The shared session against real Redis: what a login stores, how it ends, what it costs."""

from __future__ import annotations

import calendar
import time

from flask import session

ID_LENGTH = 43


def cookie(client) -> str | None:
    found = client.get_cookie("session")
    return found.value if found else None


def logged_in(app, user_id: int = 1):
    client = app.test_client()
    assert client.post(f"/login/{user_id}").status_code == 204
    return client


def whoami(client) -> dict | None:
    return client.get("/whoami").get_json()["user"]


def test_an_anonymous_visitor_leaves_nothing_in_redis(app, redis_client):
    keys = redis_client.dbsize()
    client = app.test_client()
    assert client.post("/logout").status_code == 204  # flashes into the anonymous session
    assert "." in cookie(client), "a signed cookie, not a session id"
    assert client.get("/flashes").get_json() == ["You are logged out."]
    assert whoami(client) is None
    assert redis_client.dbsize() == keys


def test_login_stores_a_fresh_id_and_its_flash_survives_the_redirect(app, redis_client):
    client = app.test_client()
    client.post("/logout")
    before = cookie(client)
    assert client.post("/login/1").status_code == 204
    sid = cookie(client)
    assert sid != before and len(sid) == ID_LENGTH
    assert 0 < redis_client.pttl(f"session:{sid}") <= 7 * 24 * 3600 * 1000
    assert redis_client.zscore("session:user:1", sid) is not None
    assert client.get("/flashes").get_json() == ["Welcome back."]
    assert client.get("/flashes").get_json() == []
    assert whoami(client) == {"id": 1, "username": "user1"}


def test_the_login_cookie_is_httponly_lax_and_expires_at_the_absolute_deadline(make_app):
    app = make_app(SESSION_ABSOLUTE_TIMEOUT_SECONDS=3600)
    response = app.test_client().post("/login/1")
    header = response.headers["Set-Cookie"]
    assert "HttpOnly" in header and "SameSite=Lax" in header
    expires = response.headers["Set-Cookie"].split("Expires=")[1].split(";")[0]
    left = calendar.timegm(time.strptime(expires, "%a, %d %b %Y %H:%M:%S GMT")) - time.time()
    assert 3500 < left <= 3600


def test_logout_deletes_the_session_and_its_index_entry(app, redis_client):
    client = logged_in(app, 2)
    sid = cookie(client)
    assert client.post("/logout").status_code == 204
    assert redis_client.exists(f"session:{sid}") == 0
    assert redis_client.zscore("session:user:2", sid) is None
    assert client.get("/flashes").get_json() == ["You are logged out."]
    replay = app.test_client()
    replay.set_cookie("session", sid)
    assert whoami(replay) is None


def test_logging_in_again_ends_the_previous_login_of_that_browser(app, redis_client):
    client = logged_in(app, 3)
    first = cookie(client)
    client.post("/login/4")
    assert redis_client.exists(f"session:{first}") == 0
    assert whoami(client)["id"] == 4


def test_a_write_back_after_the_logout_does_not_bring_the_session_back(app, redis_client):
    client = logged_in(app, 5)
    sid = cookie(client)
    with app.test_request_context("/note", method="POST", headers={"Cookie": f"session={sid}"}):
        assert session.sid == sid  # loaded before the logout...
        assert client.post("/logout").status_code == 204
        session["note"] = "written back"  # ...written back after it
        app.session_interface.save_session(app, session._get_current_object(), app.response_class())
    assert redis_client.exists(f"session:{sid}") == 0
    replay = app.test_client()
    replay.set_cookie("session", sid)
    assert whoami(replay) is None


def test_a_write_back_of_a_live_session_is_kept(app, redis_client):
    client = logged_in(app, 6)
    sid = cookie(client)
    ttl_before = redis_client.pttl(f"session:{sid}")
    assert client.post("/note").status_code == 204
    with app.test_request_context("/whoami", headers={"Cookie": f"session={sid}"}):
        assert session["note"] == "written back"
    assert 0 < redis_client.pttl(f"session:{sid}") <= ttl_before, "written back with its TTL kept"


def test_reading_a_session_moves_its_ttl_forward_only_once_a_hundredth_of_the_idle_time_passed(
    make_app, redis_client
):
    quiet = logged_in(make_app(SESSION_IDLE_TIMEOUT_SECONDS=3600))
    key = f"session:{cookie(quiet)}"
    ttl_at_login = redis_client.pttl(key)
    for _ in range(20):
        assert whoami(quiet) is not None
    assert redis_client.pttl(key) <= ttl_at_login, "20 reads within 36 s: no refresh"

    busy = logged_in(make_app(SESSION_IDLE_TIMEOUT_SECONDS=60))
    key = f"session:{cookie(busy)}"
    deadline = time.monotonic() + 10
    while (before := redis_client.pttl(key)) > 59_000:  # more than 1 % of the idle time passes
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert whoami(busy) is not None
    assert redis_client.pttl(key) > before, "a read after 1 % of the idle time refreshes it"


def test_a_session_ends_after_its_idle_time_and_requests_keep_it_alive_until_then(make_app, redis_client):
    idle = 5
    client = logged_in(make_app(SESSION_IDLE_TIMEOUT_SECONDS=idle, SESSION_ABSOLUTE_TIMEOUT_SECONDS=600))
    started = last_request = time.monotonic()
    while last_request - started < idle + 1:
        last_request = time.monotonic()  # the request refreshes the TTL after this moment
        assert whoami(client) is not None, "ended while in use"
        time.sleep(0.3)
    key = f"session:{cookie(client)}"
    while redis_client.exists(key):  # watched from outside: a request would keep it alive
        assert time.monotonic() < last_request + idle + 10, "still alive long after its idle time"
        time.sleep(0.2)
    assert time.monotonic() - last_request > 0.9 * idle, "the idle time counts from the last request"
    assert whoami(client) is None


def test_a_session_ends_at_its_absolute_age_however_busy(make_app, redis_client):
    absolute = 3
    client = logged_in(make_app(SESSION_IDLE_TIMEOUT_SECONDS=600, SESSION_ABSOLUTE_TIMEOUT_SECONDS=absolute))
    started = time.monotonic()
    assert 0 < redis_client.pttl(f"session:{cookie(client)}") <= absolute * 1000
    while whoami(client) is not None:
        assert time.monotonic() - started < absolute + 10, "outlived its absolute age"
        time.sleep(0.2)


def test_end_other_sessions_ends_every_other_login_of_the_user_and_keeps_this_one(app, redis_client):
    this, phone, laptop = logged_in(app, 7), logged_in(app, 7), logged_in(app, 7)
    stranger = logged_in(app, 8)
    assert this.post("/others").get_json() == {"ended": 2}
    assert whoami(this)["id"] == 7
    assert whoami(phone) is None and whoami(laptop) is None
    assert whoami(stranger)["id"] == 8
    assert [member.decode() for member in redis_client.zrange("session:user:7", 0, -1)] == [cookie(this)]


def test_the_per_user_index_keeps_at_most_sessions_per_user_and_prunes_dead_ids(make_app, redis_client):
    app = make_app(SESSIONS_PER_USER=3)
    clients = [logged_in(app, 9) for _ in range(5)]
    assert [whoami(client) is not None for client in clients] == [False, False, True, True, True]
    assert redis_client.zcard("session:user:9") == 3

    redis_client.delete(f"session:{cookie(clients[2])}")  # as its idle time would
    newest = logged_in(app, 9)
    members = {member.decode() for member in redis_client.zrange("session:user:9", 0, -1)}
    assert members == {cookie(clients[3]), cookie(clients[4]), cookie(newest)}
    assert whoami(clients[3]) is not None, "a dead id made room: no live session was ended"
