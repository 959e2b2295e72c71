"""Body limits, host validation and the username rule, which every service shares."""

import io

import pytest
from flask import Flask, jsonify, request

from servicekit.accounts import account_name
from servicekit.app import init_service
from servicekit.bodies import accepts_uploads
from servicekit.errors import register_error_handlers

from .conftest import DemoConfig, closed_port, render


@pytest.fixture
def bounded(monkeypatch):
    monkeypatch.setenv("APP_ENV", "testing")
    monkeypatch.setenv("REDIS_URL", f"redis://127.0.0.1:{closed_port()}/0")
    app = Flask(__name__)
    init_service(
        app,
        service="demo",
        config_mixin=DemoConfig,
        path_prefix="/demo",
        overrides={"MAX_BODY_BYTES": 1024, "MAX_CONTENT_LENGTH": 1024 * 1024, "MAX_FORM_PARTS": 4},
    )
    register_error_handlers(app, render)

    @app.post("/echo")
    def echo():
        return jsonify(size=len(request.get_data()), fields=len(request.form))

    @app.post("/upload")
    @accepts_uploads
    def upload():
        return jsonify(size=sum(len(f.read()) for f in request.files.values()))

    @app.get("/where")
    def where():
        return jsonify(url=request.url_root)

    return app.test_client()


def test_a_body_over_the_small_limit_is_a_413_before_it_is_read(bounded):
    assert bounded.post("/echo", data=b"x" * 1024).get_json()["size"] == 1024
    response = bounded.post("/echo", data=b"x" * 1025)
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "payload_too_large"


def upload(client, **parts):
    return client.post("/upload", data=parts, content_type="multipart/form-data")


def test_only_upload_views_take_the_large_limit(bounded):
    ok = upload(bounded, file=(io.BytesIO(b"x" * 512 * 1024), "a.bin"))
    assert ok.status_code == 200
    assert ok.get_json()["size"] == 512 * 1024
    assert upload(bounded, file=(io.BytesIO(b"x" * 1024 * 1024), "a.bin")).status_code == 413


def test_forms_are_bounded_in_parts_and_in_text_held_in_memory(bounded):
    assert upload(bounded, **{f"f{i}": "x" for i in range(5)}).status_code == 413
    assert upload(bounded, note="x" * (256 * 1024 + 1)).status_code == 413


def test_an_unknown_host_is_a_400_before_any_view(bounded):
    response = bounded.get("/where", headers={"Host": "evil.example"})
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "bad_request"


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1:8080", "db-api:8000", "nginx:8080"])
def test_the_site_and_the_internal_name_are_trusted(bounded, host):
    response = bounded.get("/where", headers={"Host": host})
    assert response.status_code == 200
    assert response.get_json()["url"] == f"http://{host}/"


@pytest.mark.parametrize("path", ["/demo/health", "/metrics"])
def test_probes_answer_whatever_the_host(bounded, path):
    """The kubelet and Prometheus call a replica by its address."""
    assert bounded.get(path, headers={"Host": "10.1.2.3:8000"}).status_code == 200


@pytest.mark.parametrize(
    ("typed", "account"),
    [("victim", "victim"), ("VICTIM", "victim"), ("Vic.tim-_9", "vic.tim-_9")],
)
def test_every_spelling_of_an_account_is_that_account(typed, account):
    assert account_name(typed) == account


@pytest.mark.parametrize(
    "typed",
    ["VÍCTIM", "vÍctim", "\uff56ictim", "victim\n", "vi", "v" * 33, "vic tim", "", None, 42],
)
def test_names_outside_the_username_rule_are_no_account(typed):
    assert account_name(typed) is None
