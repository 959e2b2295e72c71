"""Playwright fixtures: one Chromium for the run, a fresh context (cookie jar) per user.

``BASE_URL`` is the stack behind Nginx; ``OUTPUT_DIR`` (mounted from the host's
test-output/) receives screenshots and the signal files of the ws restart.
"""

import os
import secrets
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

BASE_URL = os.environ.get("BASE_URL", "http://127.0.0.1:8080").rstrip("/")
OUTPUT_DIR = Path(os.environ.get("OUTPUT_DIR", "/out"))
PASSWORD = "correct horse battery"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}

expect.set_options(timeout=10_000)


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"),
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield chromium
        chromium.close()


@pytest.fixture
def new_context(browser: Browser):
    """Make as many separate users (contexts) as a test needs; all are closed afterwards."""
    contexts: list[BrowserContext] = []

    def make(viewport=DESKTOP, **options) -> BrowserContext:
        """``options`` are Playwright's (``java_script_enabled``, ``timezone_id``, ...)."""
        context = browser.new_context(base_url=BASE_URL, viewport=viewport, accept_downloads=True, **options)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


def unique(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(3)}"


def register(page: Page, username: str | None = None) -> str:
    """Sign up through the form; the new user lands on /rooms, logged in."""
    username = username or unique("user")
    page.goto("/auth/register")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Confirm password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page).to_have_url(f"{BASE_URL}/rooms")
    return username


def create_room(page: Page, name: str | None = None) -> str:
    """Create a room through the form; returns its path."""
    name = name or unique("Room")
    page.goto("/rooms")
    page.get_by_label("Room name").fill(name)
    page.get_by_role("button", name="Create room").click()
    expect(page.get_by_role("heading", name=name)).to_be_visible()
    return page.url.replace(BASE_URL, "")


def wait_live(page: Page, timeout: float = 10_000) -> None:
    expect(page.locator("#chat-status")).to_have_attribute("data-state", "open", timeout=timeout)


def send(page: Page, text: str) -> None:
    page.get_by_role("textbox", name="Message").fill(text)
    page.get_by_role("button", name="Send").click()


@pytest.fixture
def helpers():
    """The page helpers, for tests that import nothing from conftest."""
    return {
        "register": register,
        "create_room": create_room,
        "wait_live": wait_live,
        "send": send,
        "unique": unique,
    }
