"""login_required sends anonymous visitors to the login form; ``next`` is followed only when local."""

import pytest

from web.auth.guards import is_local_path, next_or


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/rooms", "/auth/login?next=%2Frooms"),
        ("/rooms/", "/auth/login?next=%2Frooms%2F"),
        ("/rooms/general", "/auth/login?next=%2Frooms%2Fgeneral"),
        ("/files/7", "/auth/login?next=%2Ffiles%2F7"),
        ("/rooms/older/12", "/auth/login?next=%2Frooms%2Folder%2F12"),
        ("/rooms/a?x=1&y=2", "/auth/login?next=%2Frooms%2Fa%3Fx%3D1%26y%3D2"),
        ("/rooms/caf%C3%A9", "/auth/login?next=%2Frooms%2Fcaf%C3%A9"),
    ],
)
def test_login_required_redirects_with_next(client, path, expected):
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"] == expected


@pytest.mark.parametrize(
    "method_path", [("post", "/rooms"), ("post", "/rooms/general/files"), ("post", "/rooms/general/messages")]
)
def test_login_required_guards_forms_too(client, method_path):
    method, path = method_path
    response = getattr(client, method)(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login?next=")


@pytest.mark.parametrize(
    ("target", "local"),
    [
        ("/rooms", True),
        ("/rooms/general?x=1", True),
        ("/", True),
        ("//evil.example", False),
        ("/\\evil.example", False),
        ("/\\/evil.example", False),
        ("https://evil.example/", False),
        ("http:/evil.example", False),
        ("javascript:alert(1)", False),
        ("rooms", False),
        ("", False),
        (None, False),
        ("/\t/evil.example", False),
        ("/\n/evil.example", False),
    ],
)
def test_is_local_path(target, local):
    assert is_local_path(target) is local


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?next=/rooms/general", "/rooms/general"),
        ("?next=//evil.example", "/rooms"),
        ("?next=/%5Cevil.example", "/rooms"),
        ("?next=https://evil.example", "/rooms"),
        ("", "/rooms"),
    ],
)
def test_next_or_falls_back_to_rooms(app, query, expected):
    with app.test_request_context("/auth/login" + query):
        assert next_or("rooms.index") == expected
