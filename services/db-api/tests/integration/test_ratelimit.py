"""Each write limit at a low setting: the request over it is a JSON 429 with Retry-After."""

from __future__ import annotations


def assert_limited(response):
    assert response.status_code == 429
    assert response.get_json()["error"]["code"] == "rate_limited"
    assert int(response.headers["Retry-After"]) >= 1


def test_login_limit(make_app, h):
    app = make_app(RATELIMIT_LOGIN="3/minute")
    client = app.test_client()
    user = h.register(client)
    attempt = {"username": user["username"], "password": "wrong password"}
    for _ in range(3):
        assert client.post("/api/v1/auth/login", json=attempt).status_code == 401
    assert_limited(client.post("/api/v1/auth/login", json=attempt))


def test_register_limit(make_app, h):
    client = make_app(RATELIMIT_REGISTER="2/minute").test_client()
    for _ in range(2):
        h.register(client)
    assert_limited(
        client.post("/api/v1/auth/register", json={"username": h.unique(), "password": "correct horse"})
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
    for address in ("10.1.0.1", "10.1.0.2"):
        response = client.post(url, json={"body": "hi"}, headers={"X-Forwarded-For": address})
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
