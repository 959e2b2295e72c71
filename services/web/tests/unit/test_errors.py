"""Error pages share the layout, keep their status and never show a traceback."""

import pytest


def test_unknown_path_is_an_html_404_in_the_layout(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert response.content_type.startswith("text/html")
    assert "Page not found" in response.text
    assert 'class="topbar"' in response.text


def test_nginx_413_page(client):
    response = client.get("/_errors/413")
    assert response.status_code == 413
    assert "That file is too large" in response.text


def test_too_large_body_is_the_same_413_page(app_factory):
    client = app_factory(MAX_BODY_BYTES=1024).test_client()
    response = client.post("/auth/login", data=b"x" * 4096, content_type="multipart/form-data; boundary=xyz")
    assert response.status_code == 413
    assert "That file is too large" in response.text


def test_server_fault_is_a_500_page_without_traceback(app_factory):
    app = app_factory()

    @app.get("/boom")
    def boom():
        raise RuntimeError("secret detail in a traceback")

    response = app.test_client().get("/boom")
    assert response.status_code == 500
    assert "Something went wrong" in response.text
    assert "secret detail" not in response.text
    assert "Traceback" not in response.text


@pytest.mark.parametrize(("status", "title"), [(403, "Not allowed"), (429, "Slow down"), (503, "right back")])
def test_each_status_has_its_page(app_factory, status, title):
    from flask import abort

    app = app_factory()
    app.add_url_rule(f"/fail/{status}", f"fail_{status}", lambda: abort(status))
    response = app.test_client().get(f"/fail/{status}")
    assert response.status_code == status
    assert title in response.text


def test_wrong_method_is_405_page(client):
    response = client.delete("/")
    assert response.status_code == 405
