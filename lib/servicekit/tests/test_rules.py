"""The input rules, one table each: what is accepted (and how it is stored),
what is refused and with which message. web's forms, ws's frames and db-api's
validation all apply these objects; their own tests show each service
refusing the same edges."""

import pytest

from servicekit.rules import (
    CLIENT_ID,
    FILENAME_MAX,
    LOGIN_PASSWORD,
    LOGIN_USERNAME,
    MESSAGE_BODY,
    PASSWORD,
    ROOM_NAME,
    USERNAME,
    RuleError,
    safe_filename,
)

CONTROL = "must not contain control characters"
ONLY_NAME_CHARS = "may contain only letters, digits, dots, dashes and underscores"


def refusal(rule, value) -> str:
    with pytest.raises(RuleError) as info:
        rule.clean(value)
    return info.value.problem


@pytest.mark.parametrize(
    ("value", "stored"),
    [("abc", "abc"), ("Ab_c.d-9", "Ab_c.d-9"), ("a" * 32, "a" * 32)],
)
def test_username_accepts(value, stored):
    assert USERNAME.clean(value) == stored


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("", "must be at least 3 characters"),
        ("ab", "must be at least 3 characters"),
        ("a" * 33, "must be at most 32 characters"),
        ("alice\n", ONLY_NAME_CHARS),
        ("ali\x00ce", ONLY_NAME_CHARS),
        ("has space", ONLY_NAME_CHARS),
        (" abc", ONLY_NAME_CHARS),
        ("ünï", ONLY_NAME_CHARS),
        ("\uff56\uff49\uff43\uff54\uff49\uff4d", ONLY_NAME_CHARS),
        ("x\ud800y", "must not contain lone surrogates"),
        (None, "must be a string"),
        (123, "must be a string"),
    ],
)
def test_username_refuses(value, problem):
    assert refusal(USERNAME, value) == problem


@pytest.mark.parametrize("value", ["password", " spaces kept ", "pässwörd😀", "p" * 128])
def test_password_accepts_as_typed(value):
    assert PASSWORD.clean(value) == value


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("", "must be at least 8 characters"),
        ("short", "must be at least 8 characters"),
        ("p" * 129, "must be at most 128 characters"),
        ("password\n", CONTROL),
        ("pass\x00word", CONTROL),
        ("pass\x1bword", CONTROL),
        ("password\ud800", "must not contain lone surrogates"),
    ],
)
def test_password_refuses(value, problem):
    assert refusal(PASSWORD, value) == problem


@pytest.mark.parametrize(
    ("value", "stored"),
    [
        ("Design reviews", "Design reviews"),
        ("\u3000\u2003 name \n\t", "name"),
        ("Design\n", "Design"),
        ("👨‍👩‍👧", "👨‍👩‍👧"),
        ("x" * 64, "x" * 64),
        ("<b>html</b>", "<b>html</b>"),
        ("abc\u202edef", "abc\u202edef"),
    ],
)
def test_room_name_accepts_trimmed(value, stored):
    assert ROOM_NAME.clean(value) == stored


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("", "must not be empty"),
        (" \u3000 \n", "must not be empty"),
        ("x" * 65, "must be at most 64 characters"),
        ("a\nb", CONTROL),
        ("bell\x07", CONTROL),
        ("c1\x85x", CONTROL),
        ("a\x00b", CONTROL),
        ("x\ud800", "must not contain lone surrogates"),
        (["a"], "must be a string"),
    ],
)
def test_room_name_refuses(value, problem):
    assert refusal(ROOM_NAME, value) == problem


@pytest.mark.parametrize(
    ("value", "stored"),
    [
        (" hi ", "hi"),
        ("line one\nline two\r\n\tindented", "line one\nline two\r\n\tindented"),
        ("hello\n", "hello"),
        ("😀" * 2000, "😀" * 2000),
    ],
)
def test_message_body_accepts_trimmed_keeping_line_breaks(value, stored):
    assert MESSAGE_BODY.clean(value) == stored


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("", "must not be empty"),
        ("\n\t ", "must not be empty"),
        ("😀" * 2001, "must be at most 2000 characters"),
        ("a\x00b", CONTROL),
        ("esc\x1b[31m", CONTROL),
        ("del\x7f", CONTROL),
        ("\udfff", "must not contain lone surrogates"),
        (5, "must be a string"),
    ],
)
def test_message_body_refuses(value, problem):
    assert refusal(MESSAGE_BODY, value) == problem


def test_client_id():
    assert CLIENT_ID.clean("a" * 64) == "a" * 64
    assert CLIENT_ID.clean("Ab-9_z") == "Ab-9_z"
    assert refusal(CLIENT_ID, "a" * 65) == "must be at most 64 characters"
    assert refusal(CLIENT_ID, "abc\n") == "may contain only letters, digits, dashes and underscores"
    assert refusal(CLIENT_ID, "a.b") == "may contain only letters, digits, dashes and underscores"
    assert refusal(CLIENT_ID, "") == "must not be empty"


def test_login_fields_are_looser_than_registration():
    """An account made under an older rule must still be able to log in."""
    assert LOGIN_USERNAME.clean("ab") == "ab"
    assert LOGIN_PASSWORD.clean("short") == "short"
    assert LOGIN_USERNAME.clean("alice\n") == "alice\n"  # a failed login (401), not a 422
    assert refusal(LOGIN_PASSWORD, "a\x00b") == CONTROL
    assert refusal(LOGIN_USERNAME, "") == "must not be empty"
    assert refusal(LOGIN_USERNAME, "a" * 129) == "must be at most 128 characters"
    assert refusal(LOGIN_PASSWORD, "p" * 1025) == "must be at most 1024 characters"


def test_sentence_is_a_pages_message():
    with pytest.raises(RuleError) as info:
        ROOM_NAME.clean("x" * 65)
    assert info.value.sentence == "Room name must be at most 64 characters."


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("report.pdf", "report.pdf"),
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\me\\report.pdf", "report.pdf"),
        ("bad\x00\x1f\x7fname.txt", "badname.txt"),
        ("line\r\nbreak.txt", "linebreak.txt"),
        ('a"b<c>:d|e?.txt', "a_b_c__d_e_.txt"),
        ("résumé 履歴書.docx", "résumé 履歴書.docx"),
        ("Grüße 日本.txt", "Grüße 日本.txt"),
        ("e\u0301.txt", "\u00e9.txt"),
        ("evil\u202etxt.exe", "eviltxt.exe"),
        ("x\ud800.txt", "x.txt"),
        (".hidden", "hidden"),
        ("trailing. ", "trailing"),
        ("", "file"),
        (None, "file"),
        ("...", "file"),
        ("../", "file"),
    ],
)
def test_safe_filename(raw, clean):
    assert safe_filename(raw) == clean


def test_safe_filename_caps_length_and_keeps_extension():
    name = safe_filename("a" * 500 + ".jpeg")
    assert len(name) == FILENAME_MAX
    assert name.endswith(".jpeg")
    assert len(safe_filename("b" * 500)) == FILENAME_MAX
    assert len(safe_filename("c" * 300 + "." + "x" * 40)) == FILENAME_MAX


@pytest.mark.parametrize(
    "raw",
    ["../a b.txt", "a" * 300 + ".jpeg", "x" * 199 + " .y", "évil\u202e.txt", ' . "q".', "a" * 199 + ". b"],
)
def test_safe_filename_is_idempotent(raw):
    """web sanitises the name it forwards and db-api the one it stores: twice must equal once."""
    once = safe_filename(raw)
    assert safe_filename(once) == once
