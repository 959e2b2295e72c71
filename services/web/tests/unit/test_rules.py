"""web's forms apply servicekit's rules: the same edge cases db-api and ws
refuse, with the rule's message, and the value stored as the rule stores it."""

import pytest
from werkzeug.datastructures import MultiDict

from servicekit.rules import MESSAGE_BODY, PASSWORD, ROOM_NAME, USERNAME, RuleError
from web.auth.forms import RegisterForm
from web.room_page import MessageForm
from web.rooms.forms import RoomForm

EDGES = {
    "trailing-newline": "value\n",
    "too-long": "x" * 2001,
    "empty": "",
    "control-char": "bell\x07",
}


def form_errors(app, form_class, data: dict) -> dict:
    with app.test_request_context(method="POST"):
        form = form_class(formdata=MultiDict(data))
        form.validate()
        return {name: errors[0] for name, errors in form.errors.items()}, form


def sentence(rule, value) -> str | None:
    try:
        rule.clean(value)
    except RuleError as exc:
        return exc.sentence
    return None


@pytest.mark.parametrize("value", EDGES.values(), ids=EDGES.keys())
def test_register_form_gives_the_rules_verdict(app, value):
    errors, _ = form_errors(
        app, RegisterForm, {"username": value, "password": "p" + value, "confirm": "p" + value}
    )
    assert errors.get("username") == sentence(USERNAME, value)
    assert errors.get("password") == sentence(PASSWORD, "p" + value)


@pytest.mark.parametrize("value", EDGES.values(), ids=EDGES.keys())
def test_room_form_gives_the_rules_verdict(app, value):
    errors, form = form_errors(app, RoomForm, {"name": value})
    assert errors.get("name") == sentence(ROOM_NAME, value)
    if "name" not in errors:
        assert form.name.data == ROOM_NAME.clean(value)  # stored trimmed, as db-api stores it


@pytest.mark.parametrize(
    "value", [*EDGES.values(), "  padded  ", "two\nlines"], ids=[*EDGES.keys(), "padded", "lines"]
)
def test_message_form_gives_the_rules_verdict(app, value):
    errors, form = form_errors(app, MessageForm, {"body": value, "client_id": "c-1"})
    assert errors.get("body") == sentence(MESSAGE_BODY, value)
    if "body" not in errors:
        assert form.body.data == MESSAGE_BODY.clean(value)


@pytest.mark.parametrize("client_id", ["", "has space", "x" * 65, "<script>"])
def test_message_form_refuses_a_bad_client_id(app, client_id):
    errors, _ = form_errors(app, MessageForm, {"body": "hello", "client_id": client_id})
    assert "client_id" in errors


def test_each_message_form_gets_its_own_client_id(app):
    """Two renders, two messages; the same form posted twice, one (db-api keeps a client_id once)."""
    with app.test_request_context():
        first, second = MessageForm(formdata=None), MessageForm(formdata=None)
    assert first.client_id.data != second.client_id.data
    assert len(first.client_id.data) == 24


def test_a_username_pattern_is_a_full_match(app):
    errors, _ = form_errors(app, RegisterForm, {"username": "alice\n"})
    assert errors["username"] == "Username may contain only letters, digits, dots, dashes and underscores."


def test_the_rules_lengths_reach_the_browser(app):
    with app.test_request_context():
        html = str(RoomForm().name())
    assert 'maxlength="64"' in html
    assert "required" in html
    with app.test_request_context():
        html = str(MessageForm(formdata=None).body())
    assert 'maxlength="2000"' in html and 'id="chat-body"' in html


def test_a_valid_field_carries_no_aria_invalid_nor_a_dangling_describedby(client):
    page = client.get("/auth/login").get_data(as_text=True)
    assert 'id="username"' in page
    assert '"None"' not in page and "aria-invalid" not in page
