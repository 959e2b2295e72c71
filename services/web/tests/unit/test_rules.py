"""web's forms apply servicekit's rules: the same edge cases db-api and ws
refuse, with the rule's message, and the value stored as the rule stores it."""

import pytest
from werkzeug.datastructures import MultiDict

from servicekit.rules import PASSWORD, ROOM_NAME, USERNAME, RuleError
from web.auth.forms import RegisterForm
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


def test_a_username_pattern_is_a_full_match(app):
    errors, _ = form_errors(app, RegisterForm, {"username": "alice\n"})
    assert errors["username"] == "Username may contain only letters, digits, dots, dashes and underscores."


def test_the_rules_lengths_reach_the_browser(app):
    with app.test_request_context():
        html = str(RoomForm().name())
    assert 'maxlength="64"' in html
    assert "required" in html
