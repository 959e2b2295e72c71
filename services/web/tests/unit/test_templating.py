"""Template helpers: cache-busted static URLs, human times, file links in escaped bodies."""

from datetime import datetime, timezone

import pytest

from web.templating import human_size, human_time, link_files, static_url

NOW = datetime(2026, 11, 24, 15, 0, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-11-24T14:59:30.000Z", "just now"),
        ("2026-11-24T14:55:00.000Z", "5 min ago"),
        ("2026-11-24T09:03:00.123Z", "09:03"),
        ("2026-11-02T09:03:00.123Z", "2 Nov, 09:03"),
        ("2025-01-31T09:03:00.123Z", "31 Jan 2025"),
        ("not a time", "not a time"),
    ],
)
def test_human_time(value, expected):
    assert human_time(value, now=NOW) == expected


def test_static_url_carries_a_content_hash(app):
    with app.test_request_context():
        url = static_url("app.css")
    assert url.startswith("/static/app.css?v=")
    assert len(url.split("v=")[1]) == 10


def test_link_files_escapes_everything_but_its_own_links(app):
    with app.test_request_context():
        html = str(link_files('<img src=x onerror=alert(1)> see /files/42 & "/files/x"'))
    assert html == (
        '&lt;img src=x onerror=alert(1)&gt; see <a href="/files/42">/files/42</a> &amp; &#34;/files/x&#34;'
    )


def test_human_size():
    assert human_size(512) == "512 bytes"
    assert human_size(2048) == "2 KiB"
    assert human_size(1536) == "1.5 KiB"
    assert human_size(3 * 1024 * 1024) == "3 MiB"
    assert human_size(5 * 1024**3) == "5 GiB"


@pytest.mark.parametrize(("limit", "shown"), [(10 * 1024 * 1024, "10 MiB"), (512 * 1024, "512 KiB")])
def test_home_page_quotes_the_upload_limit_in_force(monkeypatch, app_factory, limit, shown):
    monkeypatch.setenv("MAX_CONTENT_LENGTH", str(limit))
    page = app_factory().test_client().get("/").get_data(as_text=True)
    assert f"up to {shown} with the room" in page
