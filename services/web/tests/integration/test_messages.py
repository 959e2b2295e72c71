"""The room's message form without JavaScript, end to end through Nginx.

The same form chat.js sends over the socket: here it is a POST that stores
through db-api and answers 303 back to the room. The account's budget
refusing it (429) is in tests/abuse/test_websocket_budget.py, at the
default limits.
"""

import html
import re

from .conftest import BASE_URL, flashes, unique

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
CLIENT_ID = re.compile(r'name="client_id"[^>]*value="([^"]+)"')


def form_of(user, path: str) -> dict:
    """The message form's hidden fields, as the room page rendered them."""
    page = user.get(path)
    return {
        "csrf_token": html.unescape(CSRF.search(page.text).group(1)),
        "client_id": CLIENT_ID.search(page.text).group(1),
    }


def post(user, path: str, fields: dict, body: str):
    return user.http.post(
        f"{BASE_URL}{path}/messages", data={**fields, "body": body}, allow_redirects=False, timeout=10
    )


def api_messages(user, path: str) -> list[dict]:
    slug = path.rsplit("/", 1)[1]
    return user.http.get(f"{BASE_URL}/api/v1/rooms/{slug}/messages", timeout=10).json()["items"]


def test_the_form_stores_the_message_and_redirects_back_with_303(user, room):
    text = unique("no script here")
    response = post(user, room["path"], form_of(user, room["path"]), f"  {text}\n")
    assert response.status_code == 303
    assert response.headers["Location"].replace(BASE_URL, "") == room["path"]
    page = user.get(room["path"])
    assert f'<p class="message__body">{text}</p>' in page.text
    assert [m["body"] for m in api_messages(user, room["path"])] == [text]  # trimmed, as the rule stores it


def test_the_same_form_posted_twice_stores_one_message(user, room):
    fields = form_of(user, room["path"])
    assert post(user, room["path"], fields, "only once").status_code == 303
    assert post(user, room["path"], fields, "only once").status_code == 303
    assert [m["body"] for m in api_messages(user, room["path"])] == ["only once"]


def test_an_empty_message_rerenders_the_room_with_the_rules_reason(user, room):
    response = post(user, room["path"], form_of(user, room["path"]), "   ")
    assert response.status_code == 422
    assert ("error", "The message was not sent.") in flashes(response)
    assert 'id="chat-body-error">Message must not be empty.</p>' in response.text
    assert 'aria-describedby="chat-body-error"' in response.text
    assert api_messages(user, room["path"]) == []


def test_a_message_to_no_room_is_a_404_page(user, room):
    fields = form_of(user, room["path"])
    response = post(user, "/rooms/no-such-room-" + unique("x").lower(), fields, "hello")
    assert response.status_code == 404
    assert "There is no room at this address." in response.text


def test_links_become_anchors_and_other_schemes_stay_text(user, room):
    body = 'see https://example.com/a?b=1&c=2. not javascript:alert(1) nor "><script>x</script>'
    assert post(user, room["path"], form_of(user, room["path"]), body).status_code == 303
    page = user.get(room["path"]).text
    anchor = '<a href="https://example.com/a?b=1&amp;c=2" rel="noopener nofollow ugc">'
    assert f"see {anchor}https://example.com/a?b=1&amp;c=2</a>. not javascript:alert(1)" in page
    assert "&#34;&gt;&lt;script&gt;x&lt;/script&gt;" in page
    assert 'href="javascript' not in page
