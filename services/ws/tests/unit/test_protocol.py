import json

import pytest

from servicekit.rules import MESSAGE_BODY, RuleError
from ws import protocol


def test_ping():
    assert protocol.parse('{"type": "ping"}') == protocol.Ping()
    assert json.loads(protocol.PONG) == {"type": "pong"}


def test_message_is_trimmed():
    frame = protocol.parse(json.dumps({"type": "message", "body": "\u3000 hi 🎉 \n", "client_id": "a_B-9"}))
    assert frame == protocol.Post(body="hi 🎉", client_id="a_B-9")


def test_body_of_2000_code_points_is_accepted():
    body = "🎉" * 2000
    assert protocol.parse(json.dumps({"type": "message", "body": body, "client_id": "x"})).body == body


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("not json", "invalid_json"),
        ("[1, 2]", "invalid_frame"),
        ('"ping"', "invalid_frame"),
        ('{"type": "shout"}', "unknown_type"),
        ("{}", "unknown_type"),
        ('{"type": "message", "body": "hi"}', "validation_error"),
        ('{"type": "message", "body": "hi", "client_id": ""}', "validation_error"),
        ('{"type": "message", "body": "hi", "client_id": "' + "a" * 65 + '"}', "validation_error"),
        ('{"type": "message", "body": "hi", "client_id": "sp ace"}', "validation_error"),
        ('{"type": "message", "body": "hi", "client_id": 7}', "validation_error"),
        ('{"type": "message", "body": "   ", "client_id": "a"}', "validation_error"),
        ('{"type": "message", "body": 5, "client_id": "a"}', "validation_error"),
        ('{"type": "message", "body": "' + "a" * 2001 + '", "client_id": "a"}', "validation_error"),
        ('{"type": "message", "body": "a\\u0000b", "client_id": "a"}', "validation_error"),
        ('{"type": "message", "body": "a\\ud800b", "client_id": "a"}', "validation_error"),
    ],
)
def test_invalid_frames(text, code):
    with pytest.raises(protocol.InvalidFrame) as caught:
        protocol.parse(text)
    assert caught.value.code == code
    frame = json.loads(protocol.error(caught.value.code, caught.value.message, caught.value.client_id))
    assert frame["type"] == "error" and frame["code"] == code and frame["message"]
    assert "client_id" in frame


@pytest.mark.parametrize(
    "frame",
    [
        {"type": "message", "body": "   ", "client_id": "c-1"},
        {"type": "message", "body": "a" * 2001, "client_id": "c-1"},
        {"type": "message", "client_id": "c-1"},
        {"type": "shout", "client_id": "c-1"},
    ],
)
def test_an_invalid_frame_names_its_client_id(frame):
    with pytest.raises(protocol.InvalidFrame) as caught:
        protocol.parse(json.dumps(frame))
    assert caught.value.client_id == "c-1"


@pytest.mark.parametrize("client_id", ["", "sp ace", "a" * 65, 7, None, ["c-1"]])
def test_a_client_id_the_contract_refuses_is_never_echoed(client_id):
    with pytest.raises(protocol.InvalidFrame) as caught:
        protocol.parse(json.dumps({"type": "message", "body": "hi", "client_id": client_id}))
    assert caught.value.client_id is None


def test_error_frames_carry_the_client_id_and_rate_limited_ones_retry_after():
    assert json.loads(protocol.error("validation_error", "no", None)) == {
        "type": "error",
        "code": "validation_error",
        "message": "no",
        "client_id": None,
    }
    assert json.loads(protocol.error("rate_limited", "slow down", "c-9", retry_after=3)) == {
        "type": "error",
        "code": "rate_limited",
        "message": "slow down",
        "client_id": "c-9",
        "retry_after": 3,
    }


def test_outgoing_frames():
    assert json.loads(protocol.presence(["a", "b"])) == {"type": "presence", "users": ["a", "b"]}
    assert json.loads(protocol.message({"id": 1, "body": "x"})) == {"type": "message", "id": 1, "body": "x"}


EDGES = {
    "trailing-newline": "value\n",
    "too-long": "x" * 2001,
    "empty": "",
    "control-char": "bell\x07",
    "nul": "a\x00b",
}


@pytest.mark.parametrize("body", EDGES.values(), ids=EDGES.keys())
def test_a_frames_body_gets_the_rules_verdict(body):
    """servicekit.rules.MESSAGE_BODY, the rule db-api applies to the same body."""
    frame = json.dumps({"type": "message", "body": body, "client_id": "c1"})
    try:
        stored = MESSAGE_BODY.clean(body)
    except RuleError as exc:
        with pytest.raises(protocol.InvalidFrame) as info:
            protocol.parse(frame)
        assert (info.value.code, info.value.message) == ("validation_error", f"body {exc.problem}.")
        assert info.value.client_id == "c1"
    else:
        assert protocol.parse(frame).body == stored


def test_a_client_id_with_a_trailing_newline_is_refused_and_never_echoed():
    with pytest.raises(protocol.InvalidFrame) as info:
        protocol.parse(json.dumps({"type": "message", "body": "hi", "client_id": "c1\n"}))
    assert info.value.code == "validation_error"
    assert info.value.client_id is None
