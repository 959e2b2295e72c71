"""Two people in one room see each other's messages and presence live."""

from playwright.sync_api import expect


def test_two_users_chat_live(new_context, helpers):
    alice, bob = new_context().new_page(), new_context().new_page()
    alice_name = helpers["register"](alice)
    bob_name = helpers["register"](bob)
    room = helpers["create_room"](alice)
    bob.goto(room)
    for page in (alice, bob):
        helpers["wait_live"](page)
        expect(page.locator("#presence")).to_contain_text(alice_name)
        expect(page.locator("#presence")).to_contain_text(bob_name)

    helpers["send"](alice, "Hello Bob <b>not bold</b>")
    for page in (alice, bob):
        message = page.locator(".message__body", has_text="Hello Bob")
        expect(message).to_have_text("Hello Bob <b>not bold</b>")
        expect(message.locator("b")).to_have_count(0)

    helpers["send"](bob, "Hi Alice 👋")
    expect(alice.locator(".message__body", has_text="Hi Alice")).to_have_text("Hi Alice 👋")
    expect(alice.locator(".message")).to_have_count(2)
    expect(bob.locator(".message")).to_have_count(2)

    bob.reload()
    expect(bob.locator(".message")).to_have_count(2)  # server-rendered history, no duplicates
    helpers["wait_live"](bob)
    expect(bob.locator(".message")).to_have_count(2)  # the catch-up adds nothing twice
