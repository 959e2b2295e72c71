"""Bad input through Nginx gets a clear 4xx (JSON under /api/), never a 500.

docs/security.md's bad-input table lists these cases with the answers seen.
"""

import json
import socket
import time
from urllib.parse import urlsplit

import pytest
import requests


def api(client, base_url, method, path, **kwargs):
    response = client.request(method, f"{base_url}/api/v1{path}", timeout=10, **kwargs)
    assert response.status_code < 500, f"{method} {path}: {response.status_code} {response.text[:300]}"
    assert response.headers["Content-Type"].startswith("application/json"), response.headers["Content-Type"]
    return response


def error_code(response) -> str:
    return response.json()["error"]["code"]


def test_wrong_content_type_is_415(base_url, logged_in):
    response = api(
        logged_in, base_url, "POST", "/rooms", data="name=x", headers={"Content-Type": "text/plain"}
    )
    assert response.status_code == 415
    assert error_code(response) == "unsupported_media_type"


def test_malformed_json_is_400(base_url, logged_in):
    response = api(
        logged_in, base_url, "POST", "/rooms", data="{not json", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert error_code(response) == "bad_request"


def test_deeply_nested_json_is_400(base_url, logged_in):
    body = "[" * 20_000 + "]" * 20_000
    response = api(
        logged_in, base_url, "POST", "/rooms", data=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert error_code(response) == "bad_request"


def test_deeply_nested_json_over_the_body_limit_is_413_unparsed(base_url, logged_in):
    body = "[" * 100_000 + "]" * 100_000
    response = api(
        logged_in, base_url, "POST", "/rooms", data=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413
    assert error_code(response) == "payload_too_large"


@pytest.mark.parametrize("body", ["[]", '"a string"', "42", "null"])
def test_json_that_is_not_an_object_is_400(base_url, logged_in, body):
    response = api(
        logged_in, base_url, "POST", "/rooms", data=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert error_code(response) == "bad_request"


@pytest.mark.parametrize("body", ['{"name": 42}', '{"name": ["x"]}', "{}"])
def test_an_object_with_wrong_fields_is_422_naming_the_field(base_url, logged_in, body):
    response = api(
        logged_in, base_url, "POST", "/rooms", data=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422
    assert error_code(response) == "validation_error"
    assert "name" in response.json()["error"]["fields"]


@pytest.mark.parametrize(
    "query",
    [
        "limit=0",
        "limit=101",
        "limit=-1",
        "limit=abc",
        "limit=1e3",
        "limit=99999999999999999999999",
        "before=abc",
        "before=-5",
        "before=99999999999999999999999999",
        "after=1.5",
        "after=%00",
    ],
)
def test_bad_paging_parameters_are_422(base_url, logged_in, query):
    room = api(logged_in, base_url, "POST", "/rooms", json={"name": f"Paging {time.time_ns()}"}).json()[
        "slug"
    ]
    response = api(logged_in, base_url, "GET", f"/rooms/{room}/messages?{query}")
    assert response.status_code == 422, response.text
    assert error_code(response) == "validation_error"


@pytest.mark.parametrize(
    ("name", "status"),
    [
        ("nul \u0000 inside", 422),
        ("   ", 422),
        ("x" * 65, 422),
        ("\u202eRTL override", 201),
        ("emoji 🎉 room", 201),
    ],
)
def test_unicode_edges_in_room_names(base_url, logged_in, name, status):
    response = api(
        logged_in,
        base_url,
        "POST",
        "/rooms",
        json={"name": name + ("" if status == 422 else str(time.time_ns()))},
    )
    assert response.status_code == status, response.text


def test_lone_surrogate_is_422(base_url, logged_in):
    raw = '{"name": "bad \\ud800 name"}'
    response = api(
        logged_in, base_url, "POST", "/rooms", data=raw, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422


def test_sql_metacharacters_are_just_text(base_url, logged_in):
    name = f"x'; DROP TABLE rooms; -- {time.time_ns()}"
    created = api(logged_in, base_url, "POST", "/rooms", json={"name": name})
    assert created.status_code == 201
    assert created.json()["name"] == name
    assert api(logged_in, base_url, "GET", "/rooms/' OR '1'='1").status_code == 404
    assert api(logged_in, base_url, "GET", "/rooms?before=1%20OR%201=1").status_code == 422


def test_oversized_header_is_refused(base_url):
    response = requests.get(f"{base_url}/api/v1/rooms", headers={"X-Big": "a" * 20_000}, timeout=10)
    assert response.status_code == 400


def test_request_id_cannot_inject_headers(base_url):
    response = requests.get(
        f"{base_url}/health", headers={"X-Request-ID": "abc<script>x</script>"}, timeout=5
    )
    assert response.status_code == 200
    assert response.headers["X-Request-ID"] == "abc<script>x</script>"


@pytest.mark.parametrize(
    "header",
    [
        b"X-Request-ID: a\rSet-Cookie: evil=1",  # a bare CR inside the value
        b"X-Request-ID: a\r\n Set-Cookie: evil=1",  # an obsolete folded line
        b"X-Request-ID: a%0d%0aSet-Cookie: evil=1",  # percent-encoded, must stay text
    ],
)
def test_a_request_header_never_becomes_a_response_header(base_url, header):
    """Sent raw (client libraries refuse these), so the server itself is tested."""
    parts = urlsplit(base_url)
    request = b"GET /health HTTP/1.1\r\nHost: " + parts.netloc.encode() + b"\r\n" + header
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        sock.sendall(request + b"\r\nConnection: close\r\n\r\n")
        raw = b""
        while chunk := sock.recv(65536):
            raw += chunk
    head = raw.split(b"\r\n\r\n", 1)[0].split(b"\r\n")
    assert head[0].split()[1] in (b"200", b"400"), head[0]
    assert not [line for line in head[1:] if line.lower().startswith(b"set-cookie: evil")], head
    echoed = [line for line in head[1:] if line.lower().startswith(b"x-request-id:")]
    assert all(b"\r" not in line and b"\n" not in line for line in echoed)


def test_slow_client_is_cut_off_by_nginx(base_url):
    """slowloris: headers that never finish are dropped after client_header_timeout."""
    parts = urlsplit(base_url)
    with socket.create_connection((parts.hostname, parts.port), timeout=20) as sock:
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        started = time.monotonic()
        data = sock.recv(4096)
        elapsed = time.monotonic() - started
    assert elapsed < 15, "Nginx kept a stalled client for too long"
    assert data == b"" or data.startswith(b"HTTP/1.1 408")


def test_unknown_api_route_and_method_are_json(base_url, logged_in):
    assert error_code(api(logged_in, base_url, "GET", "/nope")) == "not_found"
    response = api(logged_in, base_url, "DELETE", "/rooms")
    assert response.status_code == 405
    json.loads(response.text)
