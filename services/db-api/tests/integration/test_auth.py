"""Register, login, me, logout against the real MariaDB and Redis session store."""

from __future__ import annotations

import base64
import hashlib
import json
from types import SimpleNamespace

import pytest

from dbapi import validation
from dbapi.config import DbApiConfig
from servicekit.config import config_for

PASSWORD = "correct horse"


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


def stored_hash(db_root, user_id: int) -> str:
    with db_root.cursor() as cur:
        cur.execute("SELECT password_hash FROM users WHERE id = %s", (user_id,))
        return cur.fetchone()["password_hash"]


def test_password_is_stored_with_the_production_method(make_app, h, db_root):
    """PASSWORD_HASH_METHOD's default: OWASP's scrypt N=2^14, r=8, p=5."""
    app = make_app(
        PASSWORD_HASH_METHOD=config_for(
            DbApiConfig, {"APP_ENV": "testing"}, service="db-api"
        ).PASSWORD_HASH_METHOD
    )
    user = h.register(app.test_client(), password="plain text secret")
    stored = stored_hash(db_root, user["id"])
    assert stored.startswith("scrypt:16384:8:5$")
    assert "plain text secret" not in stored
    h.logged_in(app, user["username"], password="plain text secret")


def legacy_hash(password: str) -> str:
    """A hash as the first release stored it (the standard library's scrypt, N=2^14 r=8 p=1)."""
    salt = b"legacy-salt-0123"
    digest = hashlib.scrypt(password.encode(), salt=salt, n=2**14, r=8, p=1, maxmem=64 * 2**20, dklen=32)
    return f"scrypt${2**14}$8$1${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"


def test_an_older_hash_is_replaced_at_the_next_successful_login(app, h, db_root):
    user = h.register(app.test_client())
    with db_root.cursor() as cur:
        cur.execute("UPDATE users SET password_hash = %s WHERE id = %s", (legacy_hash(PASSWORD), user["id"]))
    wrong = app.test_client().post(
        "/api/v1/auth/login", json={"username": user["username"], "password": "wrong password"}
    )
    assert wrong.status_code == 401
    assert stored_hash(db_root, user["id"]).startswith("scrypt$"), "a failed login changes nothing"

    h.logged_in(app, user["username"])
    upgraded = stored_hash(db_root, user["id"])
    assert upgraded.startswith(app.config["PASSWORD_HASH_METHOD"] + "$")
    h.logged_in(app, user["username"])
    assert stored_hash(db_root, user["id"]) == upgraded, "a current hash is kept"


@pytest.mark.parametrize("spelling", ["{upper}", "{accented}", "{fullwidth}", "{name} ", "{name}\n"])
def test_names_outside_the_username_rule_never_log_in(app, h, spelling):
    """The collation matches VÍCTIM and a full-width name to the account; the rule refuses them."""
    user = h.register(app.test_client(), username=h.unique("victim"))
    name = user["username"]
    typed = spelling.format(
        name=name,
        upper=name.upper(),
        accented=name.replace("i", "\u00cd", 1),
        fullwidth="\uff56" + name[1:],
    )
    response = app.test_client().post("/api/v1/auth/login", json={"username": typed, "password": PASSWORD})
    if typed == name.upper():
        assert response.status_code == 200, "inside the rule, case is the collation's only folding"
    else:
        assert response.status_code == 401
        assert response.get_json()["error"]["message"] == "Wrong username or password."


def counted_parses(app, monkeypatch) -> list[int]:
    """Count the JSON parses of request bodies: db-api's own and Flask's (``request.get_json``)."""
    parses: list[int] = []

    def loads(data, **kwargs):
        parses.append(len(data))
        return json.loads(data, **kwargs)

    monkeypatch.setattr(validation, "json", SimpleNamespace(loads=loads))
    monkeypatch.setattr(app.json, "loads", loads)
    return parses


def test_the_login_body_is_parsed_once(app, h, monkeypatch):
    user = h.register(app.test_client())
    parses = counted_parses(app, monkeypatch)
    response = app.test_client().post(
        "/api/v1/auth/login", json={"username": user["username"], "password": PASSWORD}
    )
    assert response.status_code == 200
    assert len(parses) == 1, "the limiter reads the username from the view's parse"


def test_a_login_body_over_the_limit_is_refused_unparsed(app, monkeypatch):
    parses = counted_parses(app, monkeypatch)
    padding = ",".join(["{}"] * 40_000)
    body = '{"username": "x", "password": "y", "pad": [' + padding + "]}"
    response = app.test_client().post("/api/v1/auth/login", data=body, content_type="application/json")
    assert not parses
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "payload_too_large"
