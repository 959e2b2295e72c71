"""Messages: shapes, Unicode round-trips, limits, idempotency (also concurrent), paging both ways."""

from __future__ import annotations

import re
import threading

TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def post(client, room, body, client_id=None):
    payload = {"body": body} if client_id is None else {"body": body, "client_id": client_id}
    return client.post(f"/api/v1/rooms/{room['slug']}/messages", json=payload)


def test_post_shape_and_trim(client, room):
    response = post(client, room, "  hello there \n", "c-1")
    assert response.status_code == 201
    message = response.get_json()
    assert message == {
        "id": message["id"],
        "room": room["slug"],
        "user": client.user["username"],
        "body": "hello there",
        "created_at": message["created_at"],
        "client_id": "c-1",
    }
    assert TIME.match(message["created_at"])
    assert post(client, room, "no client id").get_json()["client_id"] is None


def test_unicode_round_trip_and_limits(client, room):
    for body in ("emoji 😀👍🏽 and 👨‍👩‍👧", "中文字符 日本語 한국어", "😀" * 2000, "x" * 2000):
        response = post(client, room, body)
        assert response.status_code == 201
        assert response.get_json()["body"] == body
    items = client.get(f"/api/v1/rooms/{room['slug']}/messages?limit=4").get_json()["items"]
    assert items[0]["body"].startswith("emoji 😀")
    assert items[2]["body"] == "😀" * 2000


def test_body_and_client_id_validation(client, room):
    for body in ("", "  \u3000\n", "😀" * 2001, "nul\x00", None, 7):
        response = post(client, room, body)
        assert response.status_code == 422, repr(body)
        assert "body" in response.get_json()["error"]["fields"]
    for client_id in ("", "has space", "x" * 65, "ünï", 12):
        response = post(client, room, "ok", client_id)
        assert response.status_code == 422, repr(client_id)
        assert set(response.get_json()["error"]["fields"]) == {"client_id"}
    assert post(client, room, "ok", "A-z_0-9" + "x" * 57).status_code == 201


def test_repeat_client_id_returns_first(app, client, room, h):
    first = post(client, room, "first", "same-id")
    again = post(client, room, "second text", "same-id")
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.get_json() == first.get_json()
    other_user = h.logged_in(app)
    assert post(other_user, room, "mine", "same-id").status_code == 201
    other_room = h.new_room(client)
    assert post(client, other_room, "elsewhere", "same-id").status_code == 201


def test_concurrent_duplicates_store_one(app, client, room, db_root):
    clients = [app.test_client() for _ in range(8)]
    for c in clients:
        c.set_cookie("session", client.get_cookie("session").value)
    barrier = threading.Barrier(len(clients))
    results = []

    def send(c):
        barrier.wait()
        response = post(c, room, "race", "racing-id")
        results.append((response.status_code, response.get_json()["id"]))

    threads = [threading.Thread(target=send, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    statuses = sorted(status for status, _ in results)
    assert statuses == [200] * 7 + [201]
    assert len({message_id for _, message_id in results}) == 1
    with db_root.cursor() as cur:
        cur.execute("SELECT COUNT(*) AS n FROM messages WHERE client_id = 'racing-id'")
        assert cur.fetchone()["n"] == 1


def test_paging_before_and_after_each_once(client, room):
    posted = [post(client, room, f"m{i}").get_json()["id"] for i in range(23)]
    url = f"/api/v1/rooms/{room['slug']}/messages"

    seen, before = [], None
    while True:
        page = client.get(url + "?limit=5" + (f"&before={before}" if before else "")).get_json()
        ids = [m["id"] for m in page["items"]]
        assert ids == sorted(ids), "ascending inside a page"
        assert len(ids) <= 5
        seen = ids + seen
        before = page["next_before"]
        if before is None:
            break
        assert before == ids[0]
    assert seen == posted

    seen, after = [], 0
    while True:
        page = client.get(f"{url}?after={after}&limit=5").get_json()
        ids = [m["id"] for m in page["items"]]
        assert ids == sorted(ids)
        seen += ids
        if page["next_after"] is None:
            break
        assert page["next_after"] == ids[-1]
        after = page["next_after"]
    assert seen == posted

    default = client.get(url).get_json()
    assert [m["id"] for m in default["items"]] == posted[-23:]
    assert default["next_before"] is None
    newest = client.get(f"{url}?limit=1").get_json()
    assert [m["id"] for m in newest["items"]] == [posted[-1]]
    assert newest["next_before"] == posted[-1]
    assert client.get(f"{url}?after={posted[-1]}").get_json() == {"items": [], "next_after": None}


def test_paging_arguments_are_422(client, room):
    url = f"/api/v1/rooms/{room['slug']}/messages"
    for query in ("limit=0", "limit=101", "limit=ten", "before=x", "after=1e3", "after=1&before=5"):
        response = client.get(f"{url}?{query}")
        assert response.status_code == 422, query
        assert response.get_json()["error"]["code"] == "validation_error"
    assert client.get(f"{url}?limit=100").status_code == 200
