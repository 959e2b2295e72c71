"""Every POST needs the form's CSRF token: without it, a 400 page and nothing happens."""

import re

import pytest


# The upload form checks its token too, but only once logged in (it reads the
# token from the body as it streams): services/web/tests/integration/test_files.py.
@pytest.mark.parametrize(
    "path", ["/auth/login", "/auth/register", "/auth/logout", "/rooms", "/rooms/general/messages"]
)
def test_post_without_token_is_400(csrf_client, path):
    response = csrf_client.post(path, data={"username": "someone", "password": "long enough"})
    assert response.status_code == 400
    assert "text/html" in response.content_type
    assert "This form has expired or was sent from another site." in response.text
    assert "Set-Cookie" not in response.headers


def test_post_with_a_forged_token_is_400(csrf_client):
    response = csrf_client.post(
        "/auth/login", data={"csrf_token": "forged", "username": "a", "password": "b"}
    )
    assert response.status_code == 400


def test_an_anonymous_form_token_lives_in_the_cookie_and_validates_without_redis(csrf_client):
    page = csrf_client.get("/auth/login")
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text).group(1)
    assert "." in csrf_client.get_cookie("session").value, "the signed cookie, not a Redis session id"
    response = csrf_client.post("/auth/login", data={"csrf_token": token, "username": "", "password": ""})
    assert response.status_code == 422  # past CSRF, stopped by the empty fields
    assert "Username must not be empty." in response.text
