"""Template helpers: cache-busted static URLs, human times, links in escaped bodies."""

from datetime import datetime, timezone

import pytest

from web.templating import human_size, human_time, linkify, static_url

NOW = datetime(2026, 11, 24, 15, 0, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-11-24T14:59:30.000Z", "just now"),
        ("2026-11-24T14:55:00.000Z", "5 min ago"),
        ("2026-11-24T09:03:00.123Z", "09:03 UTC"),
        ("2026-11-24T10:03:00+01:00", "09:03 UTC"),
        ("2026-11-02T09:03:00.123Z", "2 Nov, 09:03 UTC"),
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


def render(body: str, app) -> str:
    with app.test_request_context():
        return str(linkify(body))


def test_linkify_escapes_everything_but_its_own_links(app):
    assert render('<img src=x onerror=alert(1)> see /files/42 & "/files/x"', app) == (
        '&lt;img src=x onerror=alert(1)&gt; see <a href="/files/42">/files/42</a> &amp; &#34;/files/x&#34;'
    )


URL_ANCHOR = '<a href="{0}" rel="noopener nofollow ugc">{0}</a>'


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            "see https://example.com/a?b=1&c=2.",
            "see " + URL_ANCHOR.format("https://example.com/a?b=1&amp;c=2") + ".",
        ),
        ("(http://example.com/x)", "(" + URL_ANCHOR.format("http://example.com/x") + ")"),
        (
            "http://en.wikipedia.org/wiki/Flask_(web)",
            URL_ANCHOR.format("http://en.wikipedia.org/wiki/Flask_(web)"),
        ),
        ("https://example.com/files/3", URL_ANCHOR.format("https://example.com/files/3")),
        ("(see http://a.example/b(c)).", "(see " + URL_ANCHOR.format("http://a.example/b(c)") + ")."),
        ("http://a.example/" + ")" * 50, URL_ANCHOR.format("http://a.example/") + ")" * 50),
    ],
)
def test_linkify_makes_http_and_https_urls_anchors(app, body, expected):
    assert render(body, app) == expected


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("javascript:alert(1)", "javascript:alert(1)"),
        ("JaVaScRiPt:alert(document.cookie)//https:", "JaVaScRiPt:alert(document.cookie)//https:"),
        ("data:text/html,<script>alert(1)</script>", "data:text/html,&lt;script&gt;alert(1)&lt;/script&gt;"),
        ("ftp://example.com/x", "ftp://example.com/x"),
        ("https://", "https://"),
        ("http://.", "http://."),
    ],
)
def test_linkify_leaves_other_schemes_as_escaped_text(app, body, expected):
    assert render(body, app) == expected


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        # A quote ends the URL: it can never close the href attribute.
        (
            'https://x.example/"onmouseover="alert(1)',
            URL_ANCHOR.format("https://x.example/") + "&#34;onmouseover=&#34;alert(1)",
        ),
        (
            "https://x.example/'><script>alert(1)</script>",
            URL_ANCHOR.format("https://x.example/") + "&#39;&gt;&lt;script&gt;alert(1)&lt;/script&gt;",
        ),
        ("https://x.example/<b>", URL_ANCHOR.format("https://x.example/") + "&lt;b&gt;"),
        (
            "javascript:alert(1)//https://x.example/",
            "javascript:alert(1)//" + URL_ANCHOR.format("https://x.example/"),
        ),
    ],
)
def test_linkify_hostile_input_stays_text(app, body, expected):
    html = render(body, app)
    assert html == expected
    assert "<script" not in html and 'href="javascript' not in html


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
