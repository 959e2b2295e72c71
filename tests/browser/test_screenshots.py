"""Screenshots of the main pages at desktop and phone widths, for a person to look at."""

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

SHOTS = Path(os.environ.get("OUTPUT_DIR", "/out")) / "screenshots"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


@pytest.mark.parametrize(("label", "viewport"), [("desktop", DESKTOP), ("phone", PHONE)])
def test_screenshots(new_context, helpers, label, viewport, tmp_path):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = new_context(viewport).new_page()

    def shoot(name: str) -> None:
        page.screenshot(path=SHOTS / f"{name}-{label}.png", full_page=True)

    page.goto("/")
    shoot("home")
    page.goto("/auth/login")
    shoot("login")
    page.goto("/auth/register")
    page.get_by_label("Username").fill("x")
    page.get_by_role("button", name="Create account").click()
    expect(page.locator(".field__error").first).to_be_visible()
    shoot("register-errors")

    helpers["register"](page)
    helpers["create_room"](page, helpers["unique"]("Design reviews"))
    helpers["wait_live"](page)
    helpers["send"](page, "Welcome to the room! Drafts are due Friday.")
    expect(page.locator(".message")).to_have_count(1)
    helpers["send"](page, "A longer message to see how wrapping looks when someone writes a paragraph " * 2)
    expect(page.locator(".message")).to_have_count(2)
    agenda = tmp_path / "agenda.pdf"
    agenda.write_bytes(b"%PDF-1.4 agenda")
    page.get_by_label("File").set_input_files(agenda)
    page.get_by_role("button", name="Share file").click()
    expect(page.locator(".message")).to_have_count(3)
    helpers["wait_live"](page)
    expect(page.locator("#presence")).to_contain_text("here")
    shoot("room")
    page.goto("/rooms")
    shoot("rooms")
    page.goto("/no/such/page")
    shoot("404")
