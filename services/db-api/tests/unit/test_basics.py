"""Time format, password hashing, error shapes and the OpenAPI route table."""

from __future__ import annotations

import base64
import hashlib
import json
import threading
from datetime import datetime, timedelta, timezone

import pymysql
import pytest
from werkzeug.exceptions import ServiceUnavailable

from dbapi.db import is_unavailable
from dbapi.openapi import openapi_document
from dbapi.passwords import PasswordHasher
from dbapi.serialize import iso_utc


def test_times_are_utc_with_milliseconds_and_z():
    assert iso_utc(datetime(2026, 11, 24, 12, 0, 0, 123456)) == "2026-11-24T12:00:00.123Z"
    assert iso_utc(datetime(2026, 11, 24, 12, 0, 0)) == "2026-11-24T12:00:00.000Z"
    plus_two = timezone(timedelta(hours=2))
    assert iso_utc(datetime(2026, 11, 24, 14, 0, 0, 5000, tzinfo=plus_two)) == "2026-11-24T12:00:00.005Z"


CHEAP = "scrypt:1024:8:1"


def legacy_hash(password: str) -> str:
    """A hash as the first release stored them (the standard library's scrypt)."""
    salt = b"0123456789abcdef"
    digest = hashlib.scrypt(password.encode(), salt=salt, n=2**14, r=8, p=1, maxmem=64 * 2**20, dklen=32)
    return f"scrypt${2**14}$8$1${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"


def test_passwords_are_hashed_with_the_configured_scrypt_method():
    hasher = PasswordHasher("scrypt:16384:8:5", concurrency=1, wait=1)
    stored = hasher.hash("correct horse ☃")
    assert stored.startswith("scrypt:16384:8:5$")
    assert hasher.verify("correct horse ☃", stored)
    assert not hasher.verify("correct horse", stored)
    assert not hasher.needs_rehash(stored)
    assert hasher.hash("same") != hasher.hash("same"), "salted"


def test_malformed_or_foreign_hashes_never_verify():
    hasher = PasswordHasher(CHEAP, concurrency=1, wait=1)
    for stored in ("garbage", "bcrypt$1$2$3$AAAA$AAAA", "scrypt$x$8$1$AAAA$AAAA", "pbkdf2:sha256$salt$00"):
        assert not hasher.verify("x", stored), stored


def test_first_release_hashes_verify_and_ask_to_be_replaced():
    hasher = PasswordHasher(CHEAP, concurrency=1, wait=1)
    stored = legacy_hash("correct horse")
    assert hasher.verify("correct horse", stored)
    assert not hasher.verify("wrong horse", stored)
    assert hasher.needs_rehash(stored)
    assert hasher.needs_rehash(PasswordHasher("scrypt:2048:8:1", concurrency=1, wait=1).hash("x"))


def test_a_hash_waits_for_a_free_slot_then_gives_up_with_503():
    hasher = PasswordHasher(CHEAP, concurrency=1, wait=0.2)
    hasher.slots.acquire()  # another request is hashing
    try:
        with pytest.raises(ServiceUnavailable) as refused:
            hasher.hash("correct horse")
        assert dict(refused.value.get_headers())["Retry-After"] == "1"
    finally:
        hasher.slots.release()
    released = threading.Timer(0.05, hasher.slots.release)
    hasher.slots.acquire()
    released.start()
    assert hasher.verify("correct horse", hasher.hash("correct horse")), "served once the slot is free"


def error_of(response):
    assert response.content_type == "application/json"
    body = response.get_json()
    assert set(body) == {"error"}
    assert {"code", "message"} <= set(body["error"])
    return body["error"]


def test_unknown_route_is_json_404(client):
    response = client.get("/api/v1/nowhere")
    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"


def test_wrong_method_is_json_405(client):
    response = client.delete("/api/v1/rooms")
    assert response.status_code == 405
    assert error_of(response)["code"] == "method_not_allowed"
    assert "GET" in response.headers["Allow"]


def test_too_large_is_json_413(client):
    response = client.post("/api/v1/auth/register", data="x" * 5000, content_type="application/json")
    assert response.status_code == 413
    assert error_of(response)["code"] == "payload_too_large"


def test_not_json_is_415_and_malformed_json_is_400(client):
    response = client.post(
        "/api/v1/auth/register", data="username=a", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 415
    assert error_of(response)["code"] == "unsupported_media_type"
    response = client.post("/api/v1/auth/register", data=b"{\xff", content_type="application/json")
    assert response.status_code == 400
    assert error_of(response)["code"] == "bad_request"


def test_invalid_register_body_is_422_before_any_query(client):
    response = client.post("/api/v1/auth/register", json={"username": "a b", "password": "x"})
    assert response.status_code == 422
    error = error_of(response)
    assert error["code"] == "validation_error"
    assert set(error["fields"]) == {"username", "password"}


def test_unexpected_error_is_json_500_without_detail(client):
    response = client.get("/api/v1/_boom")
    assert response.status_code == 500
    error = error_of(response)
    assert error["code"] == "internal_error"
    assert "secret" not in json.dumps(error)


def test_health_touches_nothing(client):
    assert client.get("/api/health").get_json() == {"status": "ok", "service": "db-api"}


def test_openapi_documents_every_public_route(app, client):
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"].startswith("3.")
    documented = {(path, method) for path, ops in document["paths"].items() for method in ops}
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/") or rule.endpoint == "boom":
            continue
        path = rule.rule.replace("<", "{").replace(">", "}")
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert (path, method.lower()) in documented, f"{method} {rule.rule} is missing from openapi.json"
    schemas = document["components"]["schemas"]
    for ops in document["paths"].values():
        for op in ops.values():
            for response in op["responses"].values():
                for media in response.get("content", {}).values():
                    assert media["schema"]["$ref"].rsplit("/", 1)[-1] in schemas
    assert schemas["NewMessage"]["properties"]["body"]["maxLength"] == 2000
    assert openapi_document() is openapi_document()


def test_only_connection_failures_count_as_unavailable():
    assert is_unavailable(pymysql.err.InterfaceError(0, ""))
    assert is_unavailable(pymysql.err.OperationalError(2013, "Lost connection to MySQL server during query"))
    assert is_unavailable(pymysql.err.OperationalError(2003, "Can't connect"))
    assert not is_unavailable(pymysql.err.OperationalError(1267, "Illegal mix of collations"))
