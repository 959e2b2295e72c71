"""The room page for everyone: without JavaScript, with a screen reader, in the reader's zone."""

import re

from playwright.sync_api import expect


def test_without_javascript_the_form_posts_and_the_message_appears_after_the_redirect(new_context, helpers):
    page = new_context(java_script_enabled=False).new_page()
    helpers["register"](page)
    room = helpers["create_room"](page)
    expect(page.locator("#chat-hint")).to_be_hidden()  # Enter does not send without chat.js
    helpers["send"](page, "sent without JavaScript https://example.com/x")
    message = page.locator(".message__body", has_text="sent without JavaScript")
    expect(message).to_have_count(1)
    expect(message.get_by_role("link", name="https://example.com/x")).to_have_attribute(
        "rel", "noopener nofollow ugc"
    )
    assert page.url.endswith(room), "back on the room's own address, the message in no query"
    assert "?" not in page.url
    expect(page.locator(".message__time")).to_have_text(re.compile(r"just now|min ago|UTC"))


def test_new_messages_are_a_polite_log_and_presence_changes_one_short_sentence(new_context, helpers):
    alice = new_context(timezone_id="America/New_York", locale="en-US").new_page()
    bob = new_context().new_page()
    alice_name = helpers["register"](alice)
    bob_name = helpers["register"](bob)
    room = helpers["create_room"](alice)
    helpers["wait_live"](alice)
    expect(alice.locator("#presence")).to_contain_text(alice_name)  # the first list: announced to nobody
    log = alice.get_by_role("log", name="Messages")
    expect(log).to_have_attribute("aria-live", "polite")
    assert alice.locator("#presence").get_attribute("aria-live") is None, "the list itself is not announced"
    news = alice.locator("#presence-news")
    expect(news).to_have_attribute("role", "status")

    bob.goto(room)
    helpers["wait_live"](bob)
    expect(news).to_have_text(f"{bob_name} joined.")

    helpers["send"](bob, "hello from https://example.com/bob, bob")
    message = log.locator(".message__body", has_text="hello from")
    link = message.get_by_role("link", name="https://example.com/bob")
    expect(link).to_have_attribute("href", "https://example.com/bob")
    expect(link).to_have_attribute("rel", "noopener nofollow ugc")
    expect(log.locator(".message__time").last).to_have_text(re.compile(r"\bE[SD]T$"))

    box = alice.get_by_role("textbox", name="Message")
    expect(alice.locator("#chat-hint")).to_be_visible()
    expect(box).to_have_attribute("aria-describedby", "chat-hint")

    bob.close()
    expect(news).to_have_text(f"{bob_name} left.")
