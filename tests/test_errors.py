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


class DatabaseProxy:
    """A TCP front for the test database that a test can cut and restore: what a PostgreSQL that
    restarts or drops off the network looks like to the app (connections closed, then refused)."""

    def __init__(self, dsn):
        import socket
        import threading

        from psycopg2.extensions import make_dsn, parse_dsn
        params = parse_dsn(dsn)
        host, port = params.get("host") or "127.0.0.1", int(params.get("port") or 5432)
        self.target = ((socket.AF_UNIX, f"{host}/.s.PGSQL.{port}") if host.startswith("/")
                       else (socket.AF_INET, (host, port)))
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.dsn = make_dsn(**{**params, "host": "127.0.0.1", "port": self.listener.getsockname()[1]})
        self.up, self.sockets, self._lock = True, [], threading.Lock()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self):
        import socket
        import threading
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return  # closed for good
            if not self.up:
                client.close()  # the server is gone: the connection is closed at once
                continue
            upstream = socket.socket(self.target[0])
            upstream.connect(self.target[1])
            with self._lock:
                self.sockets += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(src, dst):
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        for s in (src, dst):
            try:
                s.shutdown(2)
            except OSError:
                pass

    def cut(self):
        self.up = False
        with self._lock:
            sockets, self.sockets = self.sockets, []
        for s in sockets:
            try:
                s.shutdown(2)
            except OSError:
                pass
            s.close()

    def restore(self):
        self.up = True

    def close(self):
        self.cut()
        self.listener.shutdown(2)  # wakes the accepting thread (closing alone would not)
        self.listener.close()
        self._thread.join(10)


@pytest.fixture
def db_proxy(database):
    from service.core import db
    proxy = DatabaseProxy(database)
    yield proxy
    pool = db._pools.pop(proxy.dsn, None)
    if pool is not None:
        pool.closeall()
    proxy.close()


def _form(full_campaign):
    return {"ballot": "1", f"s{full_campaign.sections['text']}:text": "数据库断开时"}


VOTER_503 = "系统暂时无法记录选票，请稍后重试；您的选票尚未提交"
# Opening a ballot submits nothing, and cannot know whether an earlier submission went in.
OPENING_503 = "系统暂时无法访问，请稍后重新打开这张选票"
PAGE_503 = "数据库暂时无法访问"


def _assert_unavailable(r, text=None):
    """503 with Retry-After: the API's error code, or a page with the given text."""
    assert r.status_code == 503 and r.headers["Retry-After"].isdigit()
    if text is None:
        assert r.json["error"]["code"] == "database_unavailable"
    else:
        assert text in r.get_data(as_text=True)


def test_an_unreachable_database_gets_503_not_500(settings, full_campaign, caplog):
    import dataclasses

    from service import create_app
    (token,) = full_campaign.tokens(1)
    port = free_port()  # nothing listens on it: connection refused
    app = create_app({"SETTINGS": dataclasses.replace(
        settings, database_url=f"postgresql://nobody@127.0.0.1:{port}/none?connect_timeout=2")})
    c = app.test_client()
    with caplog.at_level(logging.WARNING):
        _assert_unavailable(c.get(f"/b/{token}"), OPENING_503)
        _assert_unavailable(c.post(f"/B/{token}", data=_form(full_campaign)), VOTER_503)
        _assert_unavailable(c.post("/api/v1/ballots:cast", json={"token": token, "answers": {}}))
        _assert_unavailable(c.get("/login"), PAGE_503)
        _assert_unavailable(c.get("/admin/"), PAGE_503)
        en = c.get(f"/b/{token}", headers={"Accept-Language": "en"})
        assert en.status_code == 503 and "Please open this ballot again shortly" in en.get_data(as_text=True)
        en = c.post(f"/b/{token}", data=_form(full_campaign), headers={"Accept-Language": "en"})
        assert en.status_code == 503 and "your ballot has not been submitted" in en.get_data(as_text=True)
    assert "database unavailable" in caplog.text
    assert "nobody" not in caplog.text and str(port) not in caplog.text and token not in caplog.text


def test_a_database_that_goes_away_and_comes_back(settings, full_campaign, db_proxy, conn):
    """Pooled connections the server closed, then connections it refuses: 503s that spend nothing;
    once it is back, the same code is cast."""
    import dataclasses

    from service import create_app
    (token,) = full_campaign.tokens(1)
    app = create_app({"SETTINGS": dataclasses.replace(settings, database_url=db_proxy.dsn)})
    c = app.test_client()
    assert c.get(f"/b/{token}").status_code == 200  # a pooled connection through the proxy
    db_proxy.cut()
    _assert_unavailable(c.get(f"/b/{token}"), OPENING_503)  # server closed the connection
    _assert_unavailable(c.post(f"/b/{token}", data=_form(full_campaign)), VOTER_503)  # and refuses new ones
    _assert_unavailable(c.post("/api/v1/ballots:cast", json={"token": token, "answers": {}}))
    db_proxy.restore()
    r = c.post(f"/b/{token}", data=_form(full_campaign))
    assert r.status_code == 201 and "投票成功" in r.get_data(as_text=True)
    with conn.cursor() as cur:
        cur.execute("SELECT count(*) AS n FROM sealed_ballots")
        assert cur.fetchone()["n"] == 1


def test_a_query_error_is_still_a_500(boom_client, monkeypatch):
    """Only a database that cannot be reached is a 503: a failing statement stays an internal error."""
    import psycopg2.errors

    from service.core import health

    def fail(*_a, **_k):
        raise psycopg2.errors.UndefinedTable("relation does not exist")
    monkeypatch.setattr(health.db, "transaction", fail)
    r = boom_client.get("/api/v1/campaigns", headers={"Authorization": "Bearer pgy_x"})
    assert r.status_code == 500 and r.json["error"]["code"] == "internal"


@pytest.mark.slow
def test_a_cast_on_the_real_server_while_the_database_is_down(settings, full_campaign, db_proxy, tmp_path):
    import os
    import subprocess
    import sys
    import urllib.error
    import urllib.parse
    import urllib.request

    from tests.conftest import ROOT, wait_until_ready
    (token,) = full_campaign.tokens(1)
    port = free_port()
    env = {**os.environ, "DATABASE_URL": db_proxy.dsn, "SECRET_KEY": settings.secret_key, "PINGYI_ENV": "test",
           "PINGYI_VAR_DIR": str(settings.var_dir), "MIX_SECONDS": "0", "LOG_LEVEL": "INFO"}
    log = open(tmp_path / "server.log", "w")
    proc = subprocess.Popen([sys.executable, "-m", "service", "serve", "--no-demo", "--port", str(port),
                             "--workers", "1"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"

    def post(path, data, content_type):
        req = urllib.request.Request(base + path, data=data, headers={"Content-Type": content_type})
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                return r.status, r.headers, r.read().decode()
        except urllib.error.HTTPError as e:
            with e:
                return e.code, e.headers, e.read().decode()
    try:
        wait_until_ready(proc, base, tmp_path / "server.log")
        form = urllib.parse.urlencode(_form(full_campaign)).encode()
        db_proxy.cut()
        status, headers, page = post(f"/B/{token}", form, "application/x-www-form-urlencoded")
        assert status == 503 and headers["Retry-After"].isdigit() and VOTER_503 in page
        status, headers, body = post("/api/v1/ballots:cast", b'{"token": "%s", "answers": {}}' % token.encode(),
                                     "application/json")
        assert status == 503 and '"database_unavailable"' in body
        db_proxy.restore()
        status, _, page = post(f"/B/{token}", form, "application/x-www-form-urlencoded")
        assert status == 201 and "投票成功" in page
    finally:
        proc.terminate()
        proc.wait(30)
        log.close()
    text = (tmp_path / "server.log").read_text()
    assert "database unavailable" in text and "Traceback" not in text and token not in text


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on (just now)."""
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_the_openapi_document_names_the_503(client):
    op = client.get("/api/openapi.json").json["paths"]["/ballots:cast"]["post"]
    assert op["responses"]["503"]["headers"]["Retry-After"]["schema"] == {"type": "integer"}
    assert "database_unavailable" in op["responses"]["503"]["description"]


def test_hsts_over_https_only(client, settings):
    import dataclasses

    from service import create_app
    for path in ("/login", "/api/openapi.json", "/no/such/page"):
        assert client.get(path, base_url="https://pingyi.example.edu.cn").headers[
            "Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
        assert "Strict-Transport-Security" not in client.get(path).headers
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7"}
    assert "Strict-Transport-Security" not in client.get("/login", headers=forwarded).headers  # nobody to trust
    behind_nginx = create_app({"SETTINGS": dataclasses.replace(settings, trusted_proxies=1)}).test_client()
    assert "Strict-Transport-Security" in behind_nginx.get("/login", headers=forwarded).headers
    assert "Strict-Transport-Security" not in behind_nginx.get(
        "/login", headers={"X-Forwarded-Proto": "http"}).headers
