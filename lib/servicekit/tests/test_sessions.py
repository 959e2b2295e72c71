"""The anonymous half of the shared session needs no Redis (the app's Redis is a closed port)."""

import pytest
from flask import jsonify, session

from servicekit.config import ConfigError
from servicekit.sessions import SharedSessionInterface, current_user, log_in


@pytest.fixture
def routes(app):
    @app.post("/remember")
    def remember():
        session["csrf_token"] = "kept in the cookie"
        return "", 204

    @app.get("/recall")
    def recall():
        return jsonify(token=session.get("csrf_token"), user=current_user())

    @app.post("/login")
    def login():
        log_in({"id": 1, "username": "someone"})
        return "", 204

    return app


def test_an_anonymous_session_lives_in_a_signed_cookie_without_redis(routes):
    client = routes.test_client()
    assert client.post("/remember").status_code == 204
    header = client.post("/remember").headers["Set-Cookie"]
    assert "HttpOnly" in header and "SameSite=Lax" in header
    assert client.get("/recall").get_json() == {"token": "kept in the cookie", "user": None}


def test_a_signed_cookie_cannot_hold_a_login(routes):
    signer = routes.session_interface.get_signing_serializer(routes)
    forged = signer.dumps({"user_id": 1, "username": "admin"})
    client = routes.test_client()
    client.set_cookie("session", forged)
    assert client.get("/recall").get_json()["user"] is None


def test_a_tampered_cookie_is_an_empty_session(routes):
    client = routes.test_client()
    client.post("/remember")
    client.set_cookie("session", client.get_cookie("session").value[:-2] + "xx")
    assert client.get("/recall").get_json() == {"token": None, "user": None}


def test_a_login_while_redis_is_down_is_a_503_and_leaves_no_login_cookie(routes):
    response = routes.test_client().post("/login")
    assert response.status_code == 503
    assert "session=" not in response.headers.get("Set-Cookie", "")


@pytest.mark.parametrize("setting", ["idle", "absolute", "per_user"])
def test_lifetimes_and_the_per_user_cap_must_be_positive(setting):
    values = {"idle": 60, "absolute": 60, "per_user": 5, setting: 0}
    with pytest.raises(ConfigError):
        SharedSessionInterface(None, key_prefix="session:", sessionless_paths=frozenset(), **values)
