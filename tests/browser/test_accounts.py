"""Sign up, log out and log in again, through the forms as a person would."""

import re

from playwright.sync_api import expect

BASE_URL_RELATIVE = "/rooms"


def test_register_logout_login(new_context, helpers):
    page = new_context().new_page()
    username = helpers["register"](page)
    expect(page.locator(".flash--success")).to_contain_text(f"Welcome, {username}!")
    expect(page.locator(".nav__user")).to_have_text(username)

    page.get_by_role("button", name="Log out").click()
    expect(page.locator(".flash--info")).to_have_text("You are logged out.")
    expect(page.get_by_role("navigation").get_by_role("link", name="Log in")).to_be_visible()

    page.goto("/rooms")
    expect(page).to_have_url(re.compile(r"/auth/login\?next=%2Frooms$"))
    page.get_by_label("Username").fill(username.upper())
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Rooms", exact=True)).to_be_visible()
    assert page.url.endswith(BASE_URL_RELATIVE)


def test_failed_login_shows_the_error_and_stays(new_context):
    page = new_context().new_page()
    page.goto("/auth/login")
    page.get_by_label("Username").fill("nobody_here")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Log in").click()
    expect(page.locator(".flash--error")).to_have_text("Wrong username or password.")
    assert "/auth/login" in page.url
