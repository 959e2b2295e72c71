"""Sharing a file from the room page and downloading it from the message link."""

import re
from pathlib import Path

from playwright.sync_api import expect


def test_upload_and_download(new_context, helpers, tmp_path):
    page = new_context().new_page()
    helpers["register"](page)
    helpers["create_room"](page)
    helpers["wait_live"](page)
    source = tmp_path / "notes for the team.txt"
    source.write_text("agenda: ship it\n", encoding="utf-8")

    page.get_by_label("File").set_input_files(source)
    page.get_by_role("button", name="Share file").click()
    expect(page.locator(".flash--success")).to_have_text("Shared notes for the team.txt.")
    link = page.locator(".message__body a").last
    expect(link).to_have_text(re.compile(r"^/files/\d+$"))

    with page.expect_download() as info:
        link.click()
    download = info.value
    assert download.suggested_filename == "notes for the team.txt"
    assert Path(download.path()).read_text(encoding="utf-8") == "agenda: ship it\n"
