"""Register, login, me, logout against the real MariaDB and Redis session store."""

from __future__ import annotations


def test_register_then_login_ignoring_case(app, h):
    anon = app.test_client()
    name = h.unique("Mixed")
    response = anon.post("/api/v1/auth/register", json={"username": name, "password": "correct horse"})
    assert response.status_code == 201
    user = response.get_json()
    assert user == {"id": user["id"], "username": name}
    assert anon.get("/api/v1/me").status_code == 401, "register must not log in"

    response = anon.post("/api/v1/auth/login", json={"username": name.upper(), "password": "correct horse"})
    assert response.status_code == 200
    assert response.get_json() == user, "the name comes back as typed"
    assert anon.get("/api/v1/me").get_json() == user


def test_login_gives_new_session_id_and_logout_revokes_it(app, h):
    client = h.logged_in(app)
    first = client.get_cookie("session").value
    response = client.post(
        "/api/v1/auth/login", json={"username": client.user["username"], "password": "correct horse"}
    )
    assert response.status_code == 200
    second = client.get_cookie("session").value
    assert first != second

    assert client.post("/api/v1/auth/logout").status_code == 204
    assert client.get("/api/v1/me").status_code == 401
    replay = app.test_client()
    replay.set_cookie("session", second)
    response = replay.get("/api/v1/me")
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"


def test_logout_when_anonymous_is_204(app):
    assert app.test_client().post("/api/v1/auth/logout").status_code == 204


def test_register_taken_ignoring_case_is_409(app, h):
    user = h.register(app.test_client())
    response = app.test_client().post(
        "/api/v1/auth/register", json={"username": user["username"].swapcase(), "password": "another one"}
    )
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "conflict"


def test_register_validation(app):
    client = app.test_client()
    cases = [
        ({"username": "ab", "password": "long enough"}, {"username"}),
        ({"username": "x" * 33, "password": "long enough"}, {"username"}),
        ({"username": "bad name", "password": "long enough"}, {"username"}),
        ({"username": "good_name", "password": "short"}, {"password"}),
        ({"username": "good_name", "password": "p" * 129}, {"password"}),
        ({"username": "good_name", "password": "nul\x00inside"}, {"password"}),
        ({}, {"username", "password"}),
        ({"username": 5, "password": ["x"]}, {"username", "password"}),
    ]
    for body, fields in cases:
        response = client.post("/api/v1/auth/register", json=body)
        assert response.status_code == 422, body
        error = response.get_json()["error"]
        assert error["code"] == "validation_error"
        assert set(error["fields"]) == fields, body


def test_wrong_password_and_unknown_user_are_401(app, h):
    user = h.register(app.test_client())
    client = app.test_client()
    for body in (
        {"username": user["username"], "password": "wrong password"},
        {"username": h.unique("nobody"), "password": "correct horse"},
    ):
        response = client.post("/api/v1/auth/login", json=body)
        assert response.status_code == 401
        assert response.get_json()["error"]["code"] == "unauthorized"
    assert client.get("/api/v1/me").status_code == 401


def test_password_is_stored_hashed(app, h, db_root):
    user = h.register(app.test_client(), password="plain text secret")
    with db_root.cursor() as cur:
        cur.execute("SELECT password_hash FROM users WHERE id = %s", (user["id"],))
        stored = cur.fetchone()["password_hash"]
    assert stored.startswith("scrypt$")
    assert "plain text secret" not in stored
