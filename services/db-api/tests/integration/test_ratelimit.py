"""Each write limit at a low setting: the request over it is a JSON 429 with Retry-After.

Every test logs in from addresses of its own (``X-Forwarded-For``, which
ProxyFix trusts for one hop as behind Nginx), so no test inherits another's
counts in the shared Redis.
"""

from __future__ import annotations

import secrets
import threading

import pytest
from werkzeug.serving import make_server

from web import create_app as create_web_app

PASSWORD = "correct horse"


def address() -> str:
    return f"10.{secrets.randbelow(256)}.{secrets.randbelow(256)}.{secrets.randbelow(256)}"


def assert_limited(response):
    assert response.status_code == 429
    assert response.get_json()["error"]["code"] == "rate_limited"
    assert int(response.headers["Retry-After"]) >= 1


def login(client, username: str, password: str, source: str):
    return client.post(
        "/api/v1/auth/login",
        json={"username": username, "password": password},
        headers={"X-Forwarded-For": source},
    )


def test_every_login_attempt_counts_per_address(make_app, h):
    app = make_app(RATELIMIT_LOGIN="3/minute")
    client = app.test_client()
    user = h.register(client)
    source = address()
    assert login(client, user["username"], "wrong password", source).status_code == 401
    assert login(client, user["username"], PASSWORD, source).status_code == 200
    assert login(client, h.unique("nobody"), PASSWORD, source).status_code == 401
    assert_limited(login(client, user["username"], PASSWORD, source))
    assert login(client, user["username"], PASSWORD, address()).status_code == 200, "another address"


def test_failed_logins_per_account_and_address_do_not_lock_the_owner_out_elsewhere(make_app, h):
    app = make_app(RATELIMIT_LOGIN_FAILED="2/minute")
    client = app.test_client()
    user = h.register(client)
    attacker, owner = address(), address()
    for _ in range(2):
        assert login(client, user["username"], "wrong password", attacker).status_code == 401
    assert_limited(login(client, user["username"], PASSWORD, attacker))
    assert login(client, user["username"], PASSWORD, owner).status_code == 200
    assert login(client, h.register(client)["username"], PASSWORD, attacker).status_code == 200, (
        "only this account is limited for the attacker's address"
    )


def test_successful_logins_never_spend_the_account_buckets(make_app, h):
    app = make_app(RATELIMIT_LOGIN_FAILED="2/minute", RATELIMIT_LOGIN_ACCOUNT="2/minute")
    client = app.test_client()
    user = h.register(client)
    source = address()
    for _ in range(5):
        assert login(client, user["username"], PASSWORD, source).status_code == 200


def test_failed_logins_from_everywhere_reach_the_account_ceiling(make_app, h):
    app = make_app(RATELIMIT_LOGIN_FAILED="2/minute", RATELIMIT_LOGIN_ACCOUNT="4/minute")
    client = app.test_client()
    user = h.register(client)
    for source in (address(), address()):
        for _ in range(2):
            assert login(client, user["username"], "wrong password", source).status_code == 401
    assert_limited(login(client, user["username"], PASSWORD, address()))


def test_every_spelling_of_a_name_spends_the_same_bucket(make_app, h):
    app = make_app(RATELIMIT_LOGIN_FAILED="2/minute")
    client = app.test_client()
    name = h.register(client, username=h.unique("Victim"))["username"]
    source = address()
    assert login(client, name.upper(), "wrong password", source).status_code == 401
    assert login(client, name.lower(), "wrong password", source).status_code == 401
    assert_limited(login(client, name, PASSWORD, source))


def test_names_outside_the_rule_spend_no_account_bucket(make_app, h):
    app = make_app(RATELIMIT_LOGIN_FAILED="1/minute")
    client = app.test_client()
    name = h.register(client, username=h.unique("victim"))["username"]
    source = address()
    for typed in (name.replace("i", "\u00cd", 1), "\uff56" + name[1:], name + " "):
        assert login(client, typed, PASSWORD, source).status_code == 401
    assert login(client, name, PASSWORD, source).status_code == 200


def test_register_limit(make_app, h):
    client = make_app(RATELIMIT_REGISTER="2/minute").test_client()
    for _ in range(2):
        h.register(client)
    assert_limited(
        client.post("/api/v1/auth/register", json={"username": h.unique(), "password": "correct horse"})
    )


def test_room_creation_is_limited_per_account_and_per_address(make_app, h):
    app = make_app(RATELIMIT_ROOMS="2/minute")
    client = h.logged_in(app)
    for source in (address(), address()):
        response = client.post(
            "/api/v1/rooms", json={"name": h.unique("Room ")}, headers={"X-Forwarded-For": source}
        )
        assert response.status_code == 201
    assert_limited(
        client.post("/api/v1/rooms", json={"name": h.unique("Room ")}, headers={"X-Forwarded-For": address()})
    )
    other = h.logged_in(app)
    crowded = address()
    for _ in range(2):
        response = other.post(
            "/api/v1/rooms", json={"name": h.unique("Room ")}, headers={"X-Forwarded-For": crowded}
        )
        assert response.status_code == 201
    third = h.logged_in(app)
    assert_limited(
        third.post("/api/v1/rooms", json={"name": h.unique("Room ")}, headers={"X-Forwarded-For": crowded})
    )


def test_message_limit(make_app, h):
    app = make_app(RATELIMIT_MESSAGES="3/minute")
    client = h.logged_in(app)
    room = h.new_room(client)
    url = f"/api/v1/rooms/{room['slug']}/messages"
    for i in range(3):
        assert client.post(url, json={"body": f"m{i}"}).status_code == 201
    assert_limited(client.post(url, json={"body": "one too many"}))
    assert client.get(url).status_code == 200, "reads are not limited"


def test_message_limit_is_per_account_too(make_app, h):
    app = make_app(RATELIMIT_MESSAGES="2/minute")
    client = h.logged_in(app)
    room = h.new_room(client)
    url = f"/api/v1/rooms/{room['slug']}/messages"
    for source in ("10.1.0.1", "10.1.0.2"):
        response = client.post(url, json={"body": "hi"}, headers={"X-Forwarded-For": source})
        assert response.status_code == 201
    assert_limited(client.post(url, json={"body": "hi"}, headers={"X-Forwarded-For": "10.1.0.3"}))
    other = h.logged_in(app)
    response = other.post(url, json={"body": "hi"}, headers={"X-Forwarded-For": "10.1.0.4"})
    assert response.status_code == 201, "another account from another address is not limited"


def internal_post(app, slug: str, user_id: int, body: str, **extra):
    """A message posted the way ws and web post one: service token, the account in the body."""
    return app.test_client().post(
        f"/api/internal/rooms/{slug}/messages",
        json={"user_id": user_id, "body": body, **extra},
        headers={"Authorization": f"Bearer {app.config['SERVICE_TOKEN']}"},
    )


def test_http_and_internal_posts_share_one_account_budget(make_app, h):
    app = make_app(RATELIMIT_MESSAGES="4/minute")
    client = h.logged_in(app)
    room = h.new_room(client)
    url = f"/api/v1/rooms/{room['slug']}/messages"
    assert [client.post(url, json={"body": f"http {i}"}).status_code for i in range(2)] == [201, 201]
    answers = [internal_post(app, room["slug"], client.user["id"], f"ws {i}").status_code for i in range(2)]
    assert answers == [201, 201]
    assert_limited(internal_post(app, room["slug"], client.user["id"], "ws: one too many"))
    assert_limited(client.post(url, json={"body": "http: one too many"}))
    other = h.logged_in(app)
    assert internal_post(app, room["slug"], other.user["id"], "another account").status_code == 201


def test_an_upload_announcement_is_not_refused_by_the_message_budget(make_app, h):
    app = make_app(RATELIMIT_MESSAGES="1/minute")
    client = h.logged_in(app)
    room = h.new_room(client)
    user_id = client.user["id"]
    assert internal_post(app, room["slug"], user_id, "spends the budget").status_code == 201
    assert_limited(internal_post(app, room["slug"], user_id, "over it"))
    announced = internal_post(app, room["slug"], user_id, "shared a.txt (1 bytes): /files/1", limited=False)
    assert announced.status_code == 201


def test_internal_calls_without_the_service_token_spend_no_budget(make_app, h):
    app = make_app(RATELIMIT_MESSAGES="1/minute")
    client = h.logged_in(app)
    room = h.new_room(client)
    path = f"/api/internal/rooms/{room['slug']}/messages"
    payload = {"user_id": client.user["id"], "body": "forged"}
    for _ in range(3):
        assert app.test_client().post(path, json=payload).status_code == 401
    assert internal_post(app, room["slug"], client.user["id"], "the real one").status_code == 201


@pytest.fixture
def web_and_api(make_app, base_config, monkeypatch):
    """web in-process, talking to this db-api served on a loopback port, both
    with the same low login limits in the same Redis."""
    limits = {"RATELIMIT_LOGIN_FAILED": "3/minute", "RATELIMIT_ROOMS": "2/minute"}
    api = make_app(**limits)
    server = make_server("127.0.0.1", 0, api, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("APP_ENV", "testing")
    web = create_web_app(
        {
            **{k: base_config[k] for k in ("SECRET_KEY", "SERVICE_TOKEN", "REDIS_URL")},
            "RATELIMIT_STORAGE_URI": base_config["REDIS_URL"],
            "DB_API_URL": f"http://127.0.0.1:{server.server_port}",
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_LOGIN": base_config["RATELIMIT_LOGIN"],
            **limits,
        }
    )
    yield web.test_client(), api.test_client()
    server.shutdown()


def test_the_web_form_and_the_json_api_share_the_login_buckets(web_and_api, h):
    web, api = web_and_api
    user = h.register(api)
    source = address()
    form = {"username": user["username"].upper(), "password": "wrong password"}
    assert web.post("/auth/login", data=form, headers={"X-Forwarded-For": source}).status_code == 401
    assert login(api, user["username"], "wrong password", source).status_code == 401
    # Flask-WTF reads a JSON body as the form: the same bucket.
    assert web.post("/auth/login", json=form, headers={"X-Forwarded-For": source}).status_code == 401
    assert_limited(login(api, user["username"], PASSWORD, source))
    page = web.post("/auth/login", data={**form, "password": PASSWORD}, headers={"X-Forwarded-For": source})
    assert page.status_code == 429
    assert "Slow down a little" in page.text


def test_the_web_form_and_the_json_api_share_the_room_buckets(web_and_api, h):
    web, api = web_and_api
    user = h.register(api)
    source = address()
    headers = {"X-Forwarded-For": source}
    form = {"username": user["username"], "password": PASSWORD}
    assert web.post("/auth/login", data=form, headers=headers).status_code == 302
    api.set_cookie("session", web.get_cookie("session").value)
    assert web.post("/rooms", data={"name": h.unique("Room ")}, headers=headers).status_code == 302
    assert api.post("/api/v1/rooms", json={"name": h.unique("Room ")}, headers=headers).status_code == 201
    page = web.post("/rooms", data={"name": h.unique("Room ")}, headers={"X-Forwarded-For": address()})
    assert page.status_code == 429, "the account's bucket, from any address"
    assert "Slow down a little" in page.text
    assert_limited(api.post("/api/v1/rooms", json={"name": h.unique("Room ")}, headers=headers))
