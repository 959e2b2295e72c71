"""The internal API: service token, shared behaviour with the public routes (files: test_files.py)."""

from __future__ import annotations


def test_token_required(app, base_config):
    client = app.test_client()
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": base_config["SERVICE_TOKEN"]}):
        response = client.get("/api/internal/rooms", headers=headers)
        assert response.status_code == 401
        assert response.get_json()["error"]["code"] == "unauthorized"
    # A session login does not open the internal API either.
    response = client.post("/api/internal/users", json={"username": "abc", "password": "12345678"})
    assert response.status_code == 401


def test_users_rooms_messages(svc, app, h, redis_client):
    name = h.unique("svc")
    response = svc.post("/users", json={"username": name, "password": "correct horse"})
    assert response.status_code == 201
    user = response.get_json()
    assert svc.post("/users", json={"username": name.upper(), "password": "correct horse"}).status_code == 409
    assert svc.post("/users", json={"username": "x", "password": "short"}).status_code == 422
    ok = svc.post("/users/authenticate", json={"username": name.lower(), "password": "correct horse"})
    assert ok.status_code == 200
    assert ok.get_json() == user
    assert (
        svc.post("/users/authenticate", json={"username": name, "password": "nope nope"}).status_code == 401
    )

    response = svc.post("/rooms", json={"name": f"Internal {name}", "user_id": user["id"]})
    assert response.status_code == 201
    room = response.get_json()
    assert svc.post("/rooms", json={"name": f"Internal {name}", "user_id": user["id"]}).status_code == 409
    bad = svc.post("/rooms", json={"name": "x", "user_id": 2**40})
    assert bad.status_code == 422
    assert bad.get_json()["error"]["fields"] == {"user_id": "no such user"}
    assert svc.post("/rooms", json={"name": "", "user_id": True}).get_json()["error"]["fields"].keys() == {
        "name",
        "user_id",
    }
    assert svc.get(f"/rooms/{room['slug']}").get_json() == room
    assert svc.get("/rooms/nope-none").status_code == 404
    assert room["id"] in [r["id"] for r in svc.get("/rooms?limit=100").get_json()["items"]]

    first = svc.post(
        f"/rooms/{room['slug']}/messages", json={"user_id": user["id"], "body": " hi ", "client_id": "k1"}
    )
    assert first.status_code == 201
    assert first.get_json()["body"] == "hi"
    assert first.get_json()["user"] == name
    again = svc.post(
        f"/rooms/{room['slug']}/messages", json={"user_id": user["id"], "body": "hi", "client_id": "k1"}
    )
    assert again.status_code == 200
    assert again.get_json() == first.get_json()
    assert svc.post("/rooms/nope-none/messages", data="x").status_code == 404
    assert svc.post(f"/rooms/{room['slug']}/messages", data="x").status_code == 415
    listing = svc.get(f"/rooms/{room['slug']}/messages?after=0").get_json()
    assert listing == {"items": [first.get_json()], "next_after": None}
    page = svc.get(f"/rooms/{room['slug']}/page?limit=50").get_json()
    assert page == {"room": room, "messages": {"items": [first.get_json()], "next_before": None}}
    assert svc.get("/rooms/nope-none/page").status_code == 404

    # The same message through the public route, as the user.
    public = h.logged_in(app, name)
    assert public.get(f"/api/v1/rooms/{room['slug']}/messages").get_json()["items"] == [first.get_json()]
