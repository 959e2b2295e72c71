"""servicekit.jsonprovider answers what Flask's own provider would, byte for byte."""

from __future__ import annotations

import json
from decimal import Decimal

from flask import Flask, jsonify
from flask.json.provider import DefaultJSONProvider

from servicekit.jsonprovider import FastJSONProvider

PAGE = {
    "items": [
        {
            "id": n,
            "user": "ann",
            "body": f"message {n}",
            "created_at": "2026-12-08T02:15:38.123Z",
            "client_id": None,
        }
        for n in range(3)
    ],
    "next_before": None,
}


def flask_default_bytes(obj) -> bytes:
    app = Flask(__name__)
    app.json = DefaultJSONProvider(app)
    app.json.ensure_ascii = False
    with app.app_context():
        return jsonify(obj).get_data()


def fast_response(obj, debug: bool = False):
    app = Flask(__name__)
    app.debug = debug
    app.json = FastJSONProvider(app)
    with app.app_context():
        return jsonify(obj)


def test_same_bytes_as_flask_sorted_and_compact_with_the_trailing_newline():
    response = fast_response(PAGE)
    assert response.get_data() == flask_default_bytes(PAGE)
    assert response.mimetype == "application/json"
    assert response.get_data().endswith(b"}\n")


def test_non_ascii_leaves_as_utf8():
    body = fast_response({"body": "héllo 🎉 你好"}).get_data()
    assert body == '{"body":"héllo 🎉 你好"}\n'.encode()
    assert json.loads(body) == {"body": "héllo 🎉 你好"}


def test_unknown_types_use_flasks_fallback_and_debug_stays_indented():
    assert fast_response({"price": Decimal("1.50")}).get_data() == b'{"price":"1.50"}\n'
    assert b'\n  "a": 1' in fast_response({"a": 1}, debug=True).get_data()
