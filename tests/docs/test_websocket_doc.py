"""docs/websocket.md lists exactly what ws can send: its route, the statuses
that refuse an upgrade, the error frames' codes and the close codes.

The codes are read from ws's source (each is a literal where it is sent, or
a ``*_CODE`` constant), so a new one that is not documented fails here.
"""

from __future__ import annotations

import re

from docs.mdtext import ROOT, defined_routes, first_cells, normalise, read, section

WS_SOURCES = sorted((ROOT / "services/ws/ws").glob("*.py"))
# Refusals gevent-websocket or Werkzeug answer themselves, not ws's code:
# an upgrade without Sec-WebSocket-Version (426), a plain GET on the socket route (400).
LIBRARY_STATUSES = {400, 426}


def nginx_statuses() -> set[int]:
    """The 4xx refusals Nginx answers itself in its /ws/ location (its per-address limits)."""
    block = re.search(r"^location /ws/ \{(.*?)^\}", read("deploy/nginx/routes.conf"), re.M | re.S)
    assert block, "no /ws/ location in deploy/nginx/routes.conf"
    return {int(status) for status in re.findall(r"error_page (4\d\d)", block.group(1))}


def source() -> str:
    return "\n".join(path.read_text(encoding="utf-8") for path in WS_SOURCES)


def cells(title: str) -> set[str]:
    return set(first_cells(section(read("docs/websocket.md"), title)))


def test_the_socket_route_is_the_one_ws_serves(monkeypatch):
    import ws

    monkeypatch.setenv("APP_ENV", "testing")
    app = ws.create_app({"REDIS_URL": "redis://127.0.0.1:1/0"})
    sockets = {
        ("GET", normalise(rule.rule))
        for rule in app.url_map.iter_rules()
        if getattr(rule, "websocket", False)
    }
    assert defined_routes(read("docs/websocket.md")) == sockets == {("GET", "/ws/rooms/{slug}")}


def test_every_close_code_ws_sends_is_documented_and_no_other():
    sent = {int(code) for code in re.findall(r"close\w*\(\s*(\d{4})", source())}
    sent |= {int(code) for code in re.findall(r"^[A-Z_]+_CODE = (\d{4})$", source(), re.M)}
    assert sent, "found no close codes in ws's source"
    assert {int(cell) for cell in cells("Close codes") if cell.isdigit()} == sent


def test_every_error_frame_code_is_documented_and_no_other():
    sent = set(re.findall(r"(?:protocol\.error|InvalidFrame)\(\s*\"([a-z_]+)\"", source()))
    assert sent, "found no error codes in ws's source"
    documented = {cell.strip("`") for cell in cells("Error codes") if cell.startswith("`")}
    assert documented == sent


def test_every_refusal_status_is_documented():
    refused = {int(status) for status in re.findall(r"refusal\(\s*(\d{3})", source())}
    refused |= {int(status) for status in re.findall(r"start_response\(\s*\"(4\d\d) ", source())}
    assert refused, "found no refusals in ws's source"
    documented = {int(cell) for cell in cells("Opening a socket") if cell.isdigit()}
    assert refused <= documented
    assert documented - refused <= LIBRARY_STATUSES | nginx_statuses()
