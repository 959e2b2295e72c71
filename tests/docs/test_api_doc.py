"""docs/api.md, docs/internal-api.md, the OpenAPI document and the services'
routing maps name the same routes and the same error codes.

The chain: every ``/api/v1`` rule of db-api is in the OpenAPI document
(``services/db-api/tests/unit/test_basics.py``), every operation of that
document has its section in docs/api.md, and every route docs/api.md or
docs/internal-api.md defines (a heading or a table row's first cell naming
```METHOD /path```) is a rule of a service. No Redis or MariaDB is reached:
building an app opens no connection.
"""

from __future__ import annotations

import re

import pytest
from docs.mdtext import defined_routes, first_cells, normalise, read, section

from dbapi import create_app as create_db_api
from dbapi.openapi import openapi_document
from servicekit.errors import error_code
from web import create_app as create_web

OFFLINE = {"REDIS_URL": "redis://127.0.0.1:1/0", "RATELIMIT_ENABLED": False}
NEVER_ROUTED = {"static", "metrics"}  # Nginx serves /static/ itself and answers /metrics 404


def rules(app, prefix: str = "") -> set[tuple[str, str]]:
    return {
        (method, normalise(rule.rule))
        for rule in app.url_map.iter_rules()
        if rule.endpoint not in NEVER_ROUTED and rule.rule.startswith(prefix)
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }


@pytest.fixture(scope="module", autouse=True)
def _testing_env():
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("APP_ENV", "testing")
        yield


@pytest.fixture(scope="module")
def web_routes() -> set[tuple[str, str]]:
    return rules(create_web(OFFLINE))


@pytest.fixture(scope="module")
def db_api_app():
    return create_db_api(OFFLINE)


def openapi_operations() -> set[tuple[str, str]]:
    return {(method.upper(), path) for path, ops in openapi_document()["paths"].items() for method in ops}


def test_every_openapi_operation_has_its_section_and_nothing_more():
    documented = {route for route in defined_routes(read("docs/api.md")) if route[1].startswith("/api/v1/")}
    missing = openapi_operations() - documented
    assert not missing, f"in openapi.json but not in docs/api.md: {sorted(missing)}"
    extra = documented - openapi_operations()
    assert not extra, f"in docs/api.md but not in openapi.json: {sorted(extra)}"


def test_every_page_and_health_route_is_documented_and_exists(web_routes, db_api_app):
    health = (
        rules(db_api_app, "/api/health")
        | rules(db_api_app, "/api/ready")
        | {
            ("GET", "/ws/health"),
            ("GET", "/ws/ready"),
        }
    )
    documented = {
        route for route in defined_routes(read("docs/api.md")) if not route[1].startswith("/api/v1/")
    }
    expected = web_routes | health
    assert expected - documented == set(), "routes missing from docs/api.md"
    assert documented - expected == set(), "docs/api.md names routes no service has"


def test_ws_health_routes_are_real():
    import ws

    app = ws.create_app(OFFLINE)
    assert {("GET", "/ws/health"), ("GET", "/ws/ready")} <= rules(app)


def test_internal_api_doc_matches_db_apis_internal_routes(db_api_app):
    documented = defined_routes(read("docs/internal-api.md"))
    assert documented == rules(db_api_app, "/api/internal/")


def documented_error_codes() -> dict[int, str]:
    table = section(read("docs/api.md"), "Errors")
    codes = {}
    for line in table.splitlines():
        match = re.match(r"\| (\d{3}) \| `([a-z_]+)` \|", line)
        if match:
            codes[int(match.group(1))] = match.group(2)
    return codes


def nginx_error_codes() -> dict[int, str]:
    """What Nginx answers itself under /api/ (deploy/nginx/routes.conf)."""
    found = re.findall(
        r"return (\d{3}) '\{\"error\":\{\"code\":\"([a-z_]+)\"", read("deploy/nginx/routes.conf")
    )
    return {int(status): code for status, code in found}


def test_error_table_gives_each_status_the_code_it_is_answered_with():
    expected = {
        int(status): error_code(int(status))
        for ops in openapi_document()["paths"].values()
        for op in ops.values()
        for status in op["responses"]
        if int(status) >= 400
    }
    expected |= {405: error_code(405), 500: error_code(500)}  # servicekit's handlers
    for status, code in nginx_error_codes().items():
        assert expected.setdefault(status, code) == code, f"Nginx and db-api disagree on {status}"
    assert documented_error_codes() == expected


def test_shapes_table_names_every_openapi_shape():
    shapes = {cell.strip("`").lower() for cell in first_cells(section(read("docs/api.md"), "Shapes"))}
    for name in ("User", "Room", "Message", "Error"):
        assert name.lower() in shapes
    for name in openapi_document()["components"]["schemas"]["Message"]["required"]:
        assert f'"{name}"' in section(read("docs/api.md"), "Shapes"), f"message field {name} undocumented"
