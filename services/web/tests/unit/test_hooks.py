"""Security headers on every page, errors included; moved pages answer 301."""

import pytest

EXPECTED = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


@pytest.mark.parametrize("path", ["/", "/auth/login", "/nope", "/_errors/413", "/rooms"])
def test_security_headers(client, path):
    response = client.get(path)
    for name, value in EXPECTED.items():
        assert response.headers[name] == value


def test_pages_have_no_inline_script_or_style(client):
    for path in ("/", "/auth/login", "/auth/register", "/nope"):
        text = client.get(path).text
        assert "<script>" not in text
        assert "style=" not in text


@pytest.mark.parametrize(
    ("old", "new"),
    [("/login", "/auth/login"), ("/register", "/auth/register"), ("/r/general", "/rooms/general")],
)
def test_moved_pages_are_301(client, old, new):
    response = client.get(old)
    assert response.status_code == 301
    assert response.headers["Location"].endswith(new)


def test_moved_pages_are_get_only(client):
    assert client.post("/login").status_code == 405


def test_rooms_with_and_without_slash_are_the_same_page(client):
    plain, slash = client.get("/rooms"), client.get("/rooms/")
    assert plain.status_code == slash.status_code == 302
    assert plain.headers["Location"] == "/auth/login?next=%2Frooms"


def test_health_touches_nothing(client):
    response = client.get("/health")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "service": "web"}
