"""Validators, slug rule, paging arguments: the documented edges (the rules' own tables are in
lib/servicekit/tests/test_rules.py)."""

from __future__ import annotations

import re

import pytest
from werkzeug.datastructures import MultiDict

from dbapi.errors import ValidationError
from dbapi.validation import (
    CLIENT_ID,
    CREDENTIALS,
    MESSAGE_BODY,
    NEW_MESSAGE,
    NEW_ROOM,
    ROOM_NAME,
    USERNAME,
    FieldError,
    Id,
    page_args,
    slugify,
)
from servicekit import rules


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Hello World", "hello-world"),
        ("  --Hello,,  World!!--  ", "hello-world"),
        ("Café au lait", "caf-au-lait"),
        ("ABC_def.123", "abc-def-123"),
        ("x" * 70, "x" * 64),
        ("a" * 63 + "!b", "a" * 63),
    ],
)
def test_slug_rule(name, slug):
    assert slugify(name) == slug


def test_slug_without_ascii_alnum_is_random():
    first, second = slugify("日本語"), slugify("!!!")
    assert re.fullmatch(r"room-[0-9a-f]{8}", first)
    assert first != second


def test_text_trims_unicode_whitespace_and_counts_code_points():
    assert ROOM_NAME.clean("\u3000\u2003 name \n\t") == "name"
    assert MESSAGE_BODY.clean("😀" * 2000) == "😀" * 2000
    assert ROOM_NAME.clean("👨‍👩‍👧") == "👨‍👩‍👧"
    for bad in ("😀" * 2001, " \u3000 ", ""):
        with pytest.raises(FieldError):
            MESSAGE_BODY.clean(bad)


@pytest.mark.parametrize("bad", ["a\x00b", "x\ud800", "\udfff", 3, None, ["a"]])
def test_text_refuses_nul_surrogates_and_non_strings(bad):
    with pytest.raises(FieldError):
        ROOM_NAME.clean(bad)


def test_username_and_client_id_patterns():
    assert USERNAME.clean("Ab_c.d-9") == "Ab_c.d-9"
    for bad in ("ab", "a" * 33, "has space", "ünï", " abc"):
        with pytest.raises(FieldError):
            USERNAME.clean(bad)
    assert CLIENT_ID.clean("a" * 64) == "a" * 64
    for bad in ("a.b", "a" * 65, " a"):
        with pytest.raises(FieldError):
            CLIENT_ID.clean(bad)


def test_id_refuses_booleans_and_out_of_range():
    assert Id().clean(5) == 5
    for bad in (True, 0, -1, 2**63, "5", 1.0):
        with pytest.raises(FieldError):
            Id().clean(bad)


def test_schema_collects_every_field_error():
    with pytest.raises(ValidationError) as info:
        NEW_MESSAGE.validate({"body": "  ", "client_id": "bad id"})
    assert set(info.value.fields) == {"body", "client_id"}
    assert NEW_MESSAGE.validate({"body": " hi "}) == {"body": "hi", "client_id": None}


def test_page_args():
    assert page_args(MultiDict(), 50, True).limit == 50
    page = page_args(MultiDict({"limit": "100", "before": "7"}), 50, True)
    assert (page.limit, page.before, page.after) == (100, 7, None)
    assert page_args(MultiDict({"after": "0"}), 50, True).after == 0
    assert page_args(MultiDict({"after": "9"}), 100, False).after is None
    for args in (
        {"limit": "0"},
        {"limit": "101"},
        {"limit": "+5"},
        {"before": "x"},
        {"after": "-1"},
        {"before": "9" * 20},
    ):
        with pytest.raises(ValidationError):
            page_args(MultiDict(args), 50, True)


EDGES = {
    "trailing-newline": "value\n",
    "too-long": "x" * 2001,
    "empty": "",
    "control-char": "bell\x07",
}


@pytest.mark.parametrize("value", EDGES.values(), ids=EDGES.keys())
@pytest.mark.parametrize(
    ("schema", "field", "rule"),
    [
        (CREDENTIALS, "username", rules.USERNAME),
        (CREDENTIALS, "password", rules.PASSWORD),
        (NEW_ROOM, "name", rules.ROOM_NAME),
        (NEW_MESSAGE, "body", rules.MESSAGE_BODY),
    ],
)
def test_each_body_field_gets_the_rules_verdict(schema, field, rule, value):
    """The JSON API applies servicekit.rules, the objects web's forms and ws's frames apply."""
    payload = {"username": "valid_user", "password": "long enough", "name": "n", "body": "b", field: value}
    try:
        stored = rule.clean(value)
    except rules.RuleError as exc:
        with pytest.raises(ValidationError) as info:
            schema.validate(payload)
        assert info.value.fields == {field: exc.problem}
    else:
        assert schema.validate(payload)[field] == stored
