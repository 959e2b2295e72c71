"""Register and login forms: validation, field messages, flashes, never a login on failure."""

import pytest

SESSION_COOKIE = "session"


def assert_not_logged_in(response):
    assert SESSION_COOKIE not in response.headers.get("Set-Cookie", "")


def test_register_form_renders_its_fields(client):
    page = client.get("/auth/register")
    assert page.status_code == 200
    for name in ("username", "password", "confirm"):
        assert f'name="{name}"' in page.text
    assert '<label class="field__label" for="username">Username</label>' in page.text


@pytest.mark.parametrize(
    ("form", "field", "message"),
    [
        ({"username": "ab"}, "username", "Username must be at least 3 characters."),
        ({"username": "x" * 33}, "username", "Username must be at most 32 characters."),
        ({"username": "bad name!"}, "username", "letters, digits, dots, dashes"),
        ({"username": "<script>"}, "username", "letters, digits, dots, dashes"),
        ({"password": "short"}, "password", "Password must be at least 8 characters."),
        ({"password": "p" * 129}, "password", "Password must be at most 128 characters."),
        ({"password": "with\nnewline"}, "password", "Password must not contain control characters."),
        ({"password": "long enough", "confirm": "different!"}, "confirm", "The two passwords differ."),
    ],
)
def test_register_rejects_invalid_input_with_field_message(client, form, field, message):
    data = {"username": "valid_user", "password": "long enough", "confirm": "long enough", **form}
    response = client.post("/auth/register", data=data)
    assert response.status_code == 422
    assert "Location" not in response.headers
    assert f'id="{field}-error"' in response.text
    assert message in response.text
    assert "Please fix the marked fields." in response.text  # the flash, shown once
    assert response.text.count("flash--error") == 1
    assert_not_logged_in(response)


def test_register_escapes_what_the_user_typed(client):
    response = client.post("/auth/register", data={"username": '"><script>x</script>'})
    assert "<script>x</script>" not in response.text
    assert "&#34;&gt;&lt;script&gt;" in response.text


def test_login_requires_both_fields(client):
    response = client.post("/auth/login", data={"username": "", "password": ""})
    assert response.status_code == 422
    assert "Username must not be empty." in response.text
    assert "Password must not be empty." in response.text
    assert_not_logged_in(response)


def test_login_form_keeps_next_in_its_action(client):
    page = client.get("/auth/login?next=/rooms/general")
    assert 'action="/auth/login?next=/rooms/general"' in page.text


def test_db_api_down_is_a_503_page_not_a_login(client):
    data = {"username": "valid_user", "password": "long enough", "confirm": "long enough"}
    response = client.post("/auth/register", data=data)
    assert response.status_code == 503
    assert "We will be right back" in response.text
    assert response.headers["Retry-After"] == "5"
    assert_not_logged_in(response)


def test_logout_is_post_only(client):
    assert client.get("/auth/logout").status_code == 405


def test_a_json_login_to_the_form_is_parsed_once_and_only_within_the_limit(app, monkeypatch):
    """Flask-WTF reads a JSON body as the form: the limiter and the view share that one parse."""
    parses = []
    real_loads = app.json.loads
    monkeypatch.setattr(
        app.json, "loads", lambda data, **kw: parses.append(len(data)) or real_loads(data, **kw)
    )
    small = '{"username": "someone", "password": ""}'
    assert (
        app.test_client().post("/auth/login", data=small, content_type="application/json").status_code == 422
    )
    assert len(parses) == 1
    parses.clear()
    large = '{"username": "someone", "password": "' + "x" * 200_000 + '"}'
    assert (
        app.test_client().post("/auth/login", data=large, content_type="application/json").status_code == 413
    )
    assert not parses


def test_register_refuses_a_trailing_newline_in_the_name(client):
    data = {"username": "valid_user\n", "password": "long enough", "confirm": "long enough"}
    response = client.post("/auth/register", data=data)
    assert response.status_code == 422
    assert "letters, digits, dots, dashes" in response.text
