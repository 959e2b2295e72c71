"""Rooms: slug rule, validation edges, error precedence, newest-first paging."""

from __future__ import annotations

import re

TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def test_create_get_and_slug(client, h):
    tag = h.unique("r")
    response = client.post("/api/v1/rooms", json={"name": f"  Hello, World! {tag}\u3000"})
    assert response.status_code == 201
    room = response.get_json()
    assert room["name"] == f"Hello, World! {tag}", "trimmed of Unicode whitespace"
    assert room["slug"] == f"hello-world-{tag.lower().replace('_', '-')}"
    assert TIME.match(room["created_at"])
    assert client.get(f"/api/v1/rooms/{room['slug']}").get_json() == room


def test_name_without_ascii_alnum_gets_random_slug(client):
    first = client.post("/api/v1/rooms", json={"name": "日本語 🎉"}).get_json()
    second = client.post("/api/v1/rooms", json={"name": "日本語 🎉"}).get_json()
    assert re.fullmatch(r"room-[a-z0-9]+", first["slug"])
    assert first["slug"] != second["slug"]
    assert first["name"] == "日本語 🎉"


def test_slug_collision_is_409(client, h):
    tag = h.unique("dup")
    assert client.post("/api/v1/rooms", json={"name": f"Dup {tag}"}).status_code == 201
    response = client.post("/api/v1/rooms", json={"name": f"dup--{tag.upper()}!"})
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "conflict"


def test_name_limits_in_code_points(client):
    ok = "🎉" * 64
    response = client.post("/api/v1/rooms", json={"name": ok})
    assert response.status_code == 201
    assert response.get_json()["name"] == ok
    for name in ("🎉" * 65, "   ", "\u2003\n\t", "", "a\x00b", 42):
        response = client.post("/api/v1/rooms", json={"name": name})
        assert response.status_code == 422, repr(name)
        assert "name" in response.get_json()["error"]["fields"]


def test_lone_surrogate_is_422(client):
    response = client.post(
        "/api/v1/rooms", data='{"name": "bad \\ud800 name"}', content_type="application/json"
    )
    assert response.status_code == 422
    assert "surrogate" in response.get_json()["error"]["fields"]["name"]


def test_missing_room_is_404(client):
    response = client.get("/api/v1/rooms/no-such-room-here")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_error_precedence(app, client, room):
    anon = app.test_client()
    missing = "/api/v1/rooms/no-such-room/messages"
    present = f"/api/v1/rooms/{room['slug']}/messages"
    assert anon.post(missing, data="x", content_type="text/plain").status_code == 401
    assert client.post(missing, data="x", content_type="text/plain").status_code == 404
    assert client.post(present, data="x", content_type="text/plain").status_code == 415
    assert client.post(present, data="{nope", content_type="application/json").status_code == 400
    assert client.post(present, data="[1]", content_type="application/json").status_code == 400
    assert client.post(present, json={"body": ""}).status_code == 422
    assert client.post("/api/v1/rooms", data="name=x").status_code == 415
    assert anon.post("/api/v1/rooms", data="name=x").status_code == 401


def test_everything_needs_login(app, room):
    anon = app.test_client()
    for path in (
        "/api/v1/me",
        "/api/v1/rooms",
        f"/api/v1/rooms/{room['slug']}",
        f"/api/v1/rooms/{room['slug']}/messages",
    ):
        response = anon.get(path)
        assert response.status_code == 401, path
        assert response.get_json()["error"]["code"] == "unauthorized"


def test_room_paging_newest_first_each_once(client, h):
    created = [h.new_room(client)["id"] for _ in range(7)]
    seen, before, pages = [], None, 0
    while True:
        query = "limit=3" + (f"&before={before}" if before is not None else "")
        page = client.get(f"/api/v1/rooms?{query}").get_json()
        ids = [room["id"] for room in page["items"]]
        assert len(ids) <= 3
        seen += ids
        pages += 1
        before = page["next_before"]
        if before is None:
            break
        assert before == ids[-1]
    assert seen == sorted(seen, reverse=True)
    assert len(seen) == len(set(seen))
    assert set(created) <= set(seen)
    assert seen[: len(created)] == sorted(created, reverse=True), "the newest rooms come first"


def test_room_paging_bad_arguments_are_422(client):
    for query in ("limit=0", "limit=101", "limit=x", "before=abc", "before=-1", "limit=1.5"):
        response = client.get(f"/api/v1/rooms?{query}")
        assert response.status_code == 422, query
        assert response.get_json()["error"]["fields"]
    assert len(client.get("/api/v1/rooms?limit=1").get_json()["items"]) == 1


def test_non_ascii_slug_is_404(client):
    for slug in ("日本語", "caf%C3%A9", "%F0%9F%98%80"):
        response = client.get(f"/api/v1/rooms/{slug}")
        assert response.status_code == 404, slug
        assert client.get(f"/api/v1/rooms/{slug}/messages").status_code == 404
