"""Error responses: JSON for the API, friendly Chinese pages for people, nothing leaked in 500s."""
from __future__ import annotations

import logging

import pytest


@pytest.fixture
def boom_client(settings):
    """An app of its own with a route that fails (kept out of the shared app's route map)."""
    from service import create_app
    app = create_app({"SETTINGS": settings})

    def fail():
        raise RuntimeError("secret detail: password=hunter2")
    app.add_url_rule("/api/v1/_boom", "boom", fail)
    app.add_url_rule("/_boom", "boom_page", fail)
    return app.test_client()


def test_500_says_only_internal_error_and_a_request_id(boom_client, caplog):
    client = boom_client
    with caplog.at_level(logging.ERROR, logger="pingyi.errors"):
        r = client.get("/api/v1/_boom")
    assert r.status_code == 500
    err = r.json["error"]
    assert err["code"] == "internal" and err["message"] == "internal error"
    assert set(err["details"]) == {"request_id"}
    assert "hunter2" not in r.get_data(as_text=True)
    assert err["details"]["request_id"] in caplog.text  # operators can find it in the log
    page = client.get("/_boom")
    assert page.status_code == 500 and "服务器内部错误" in page.get_data(as_text=True)
    assert "hunter2" not in page.get_data(as_text=True)


def test_pages_get_chinese_error_pages(client):
    r = client.get("/no/such/page")
    assert r.status_code == 404 and "页面不存在" in r.get_data(as_text=True)
    assert r.mimetype == "text/html"
    r = client.post("/login", data={"username": "x", "password": "y"})  # no CSRF token
    assert r.status_code == 403 and "表单已过期" in r.get_data(as_text=True)


def test_security_headers(client):
    r = client.get("/login")
    assert r.headers["Referrer-Policy"] == "no-referrer"
    assert "frame-ancestors 'none'" in r.headers["Content-Security-Policy"]
    assert r.headers["Cache-Control"] == "no-store"
    assert r.headers["X-Content-Type-Options"] == "nosniff"
