"""Integration tests: the real stack through Nginx (``BASE_URL``), driven like a browser would.

Each test makes its own users and rooms with random names, so runs never
collide and need no clean-up.
"""

import html
import os
import re
import secrets

import pytest
import requests

BASE_URL = os.environ.get("BASE_URL", "").rstrip("/")
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
PASSWORD = "correct horse"
FLASH = re.compile(r'<p class="flash flash--(\w+)">([^<]*)</p>')


@pytest.fixture(autouse=True)
def require_stack():
    if not BASE_URL:
        pytest.fail("BASE_URL is not set: run through `make test` (scripts/test-stack.sh)")


class Browser:
    """A ``requests.Session`` that reads forms and flashes the way a person would."""

    def __init__(self):
        self.http = requests.Session()

    def url(self, path: str) -> str:
        return BASE_URL + path

    def get(self, path: str, **kwargs) -> requests.Response:
        return self.http.get(self.url(path), timeout=10, **kwargs)

    def csrf(self, path: str) -> str:
        page = self.get(path)
        match = CSRF.search(page.text)
        assert match, f"no csrf_token on {path}"
        return html.unescape(match.group(1))

    def submit(self, form_path: str, action: str | None = None, data=None, files=None, follow=False):
        """GET the form page, POST its token with ``data`` to ``action`` (the form's own URL by default)."""
        payload = {"csrf_token": self.csrf(form_path), **(data or {})}
        return self.http.post(
            self.url(action or form_path), data=payload, files=files, allow_redirects=follow, timeout=30
        )

    def register(self, username: str, password: str = PASSWORD):
        return self.submit(
            "/auth/register", data={"username": username, "password": password, "confirm": password}
        )

    def login(self, username: str, password: str = PASSWORD, next_: str | None = None):
        path = "/auth/login" + (f"?next={requests.utils.quote(next_, safe='')}" if next_ else "")
        return self.submit(path, data={"username": username, "password": password})

    def create_room(self, name: str):
        return self.submit("/rooms", data={"name": name})


def flashes(page: requests.Response) -> list[tuple[str, str]]:
    return [(category, html.unescape(text)) for category, text in FLASH.findall(page.text)]


def unique(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(4)}"


@pytest.fixture
def browser():
    return Browser()


@pytest.fixture
def user(browser):
    """A browser logged in as a fresh user; ``browser.username`` says who."""
    browser.username = unique("user")
    response = browser.register(browser.username)
    assert response.status_code == 302, response.text[:500]
    return browser


@pytest.fixture
def room(user):
    name = unique("Room")
    response = user.create_room(name)
    assert response.status_code == 302, response.text[:500]
    return {"name": name, "path": response.headers["Location"].replace(BASE_URL, "")}
