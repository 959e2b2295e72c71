"""Time format, password hashing, error shapes and the OpenAPI route table."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pymysql

from dbapi.db import is_unavailable
from dbapi.openapi import openapi_document
from dbapi.passwords import hash_password, verify_password
from dbapi.serialize import iso_utc


def test_times_are_utc_with_milliseconds_and_z():
    assert iso_utc(datetime(2026, 11, 24, 12, 0, 0, 123456)) == "2026-11-24T12:00:00.123Z"
    assert iso_utc(datetime(2026, 11, 24, 12, 0, 0)) == "2026-11-24T12:00:00.000Z"
    plus_two = timezone(timedelta(hours=2))
    assert iso_utc(datetime(2026, 11, 24, 14, 0, 0, 5000, tzinfo=plus_two)) == "2026-11-24T12:00:00.005Z"


def test_password_hashing():
    stored = hash_password("correct horse ☃")
    scheme, n, r, p, *_salt_and_digest = stored.split("$")
    assert (scheme, n, r, p) == ("scrypt", "16384", "8", "1")
    assert verify_password("correct horse ☃", stored)
    assert not verify_password("correct horse", stored)
    assert hash_password("same") != hash_password("same"), "salted"
    assert not verify_password("x", "garbage")
    assert not verify_password("x", "bcrypt$1$2$3$AAAA$AAAA")


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
