"""Set-up without scraping pages: `reset-password` (prompted, or a one-time password that opens
only the change form) and `create-api-key` (the key printed once)."""
from __future__ import annotations

from service.core import cli
from tests.conftest import refused_cleanly


def sign_in(client, username, password):
    client.get("/login")
    with client.session_transaction() as s:
        token = s.setdefault("csrf", "t" * 43)
    r = client.post("/login", data={"username": username, "password": password, "csrf_token": token})
    with client.session_transaction() as s:  # signing in starts a new session, with a token of its own
        token = s.setdefault("csrf", "u" * 43)
    return r, token


def test_a_one_time_password_opens_only_the_change_form(run_cli, make_user, app, conn):
    user = make_user("organiser", username="zhangsan")
    r = run_cli("reset-password", "zhangsan")
    assert r.exit_code == 0, r.output
    (line,) = [x for x in r.stdout.splitlines() if x.startswith("one-time password for zhangsan: ")]
    one_time = line.rsplit(": ", 1)[1]
    client = app.test_client()
    assert sign_in(client, "zhangsan", user["password"])[0].status_code == 401  # the old one is gone
    r, token = sign_in(client, "zhangsan", one_time)
    assert r.status_code == 302
    page = client.get("/admin/")
    assert page.status_code == 302 and page.headers["Location"].endswith("/account/password")
    api = client.get("/api/v1/campaigns")
    assert api.status_code == 403 and api.json["error"]["code"] == "password_change_required"
    form = client.get("/account/password").get_data(as_text=True)
    assert "一次性密码" in form
    bad = client.post("/account/password", data={"csrf_token": token, "current": one_time,
                                                 "password": "short", "confirm": "short"})
    assert bad.status_code == 422 and "10 至 200" in bad.get_data(as_text=True)
    done = client.post("/account/password", data={"csrf_token": token, "current": one_time,
                                                  "password": "my own new password", "confirm": "my own new password"})
    assert done.status_code == 302
    assert client.get("/admin/").status_code == 200  # signed in, and free to work
    fresh = app.test_client()
    assert sign_in(fresh, "zhangsan", one_time)[0].status_code == 401  # one time only
    assert sign_in(fresh, "zhangsan", "my own new password")[0].status_code == 302
    with conn.cursor() as cur:
        cur.execute("SELECT type AS action, actor FROM audit_log WHERE type LIKE 'user.password%%' ORDER BY chain, height")
        assert [(e["action"], e["actor"]) for e in cur.fetchall()] == [
            ("user.password_reset", "cli"), ("user.password_changed", "user:zhangsan")]


def test_a_prompted_password_is_the_users_to_keep(run_cli, make_user, app, monkeypatch):
    make_user("auditor", username="lisi")
    monkeypatch.setattr(cli, "_interactive", lambda: True)
    r = run_cli("reset-password", "lisi", input="typed at the prompt\ntyped at the prompt\n")
    assert r.exit_code == 0 and "password changed for lisi" in r.output, r.output
    client = app.test_client()
    assert sign_in(client, "lisi", "typed at the prompt")[0].status_code == 302
    assert client.get("/admin/").status_code == 200  # not a one-time password: no detour


def test_reset_password_names_what_is_wrong(run_cli):
    r = run_cli("reset-password", "nobody-here")
    assert refused_cleanly(r) and "no such user" in r.stderr


def test_create_api_key_prints_the_key_once(run_cli, client, conn):
    r = run_cli("create-api-key", "--name", "学校门户", "--scopes", "results,turnout")
    assert r.exit_code == 0, r.output
    key = r.stdout.strip()
    assert key.startswith("pgy_") and "shown only this once" in r.stderr
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {key}"}).json
    assert me["kind"] == "key" and me["name"] == "学校门户"
    assert set(me["permissions"]) == {"campaigns:read", "results:read", "turnout:read"}
    with conn.cursor() as cur:
        cur.execute("SELECT key_hash, scopes FROM api_keys")
        (row,) = cur.fetchall()
        assert key not in row["key_hash"] and row["scopes"] == ["results", "turnout"]
    for bad in (["--name", "x", "--scopes", "everything"], ["--name", "", "--scopes", "results"]):
        r = run_cli("create-api-key", *bad)
        assert refused_cleanly(r) and "invalid" in r.stderr, r.output


def test_the_demo_campaign_is_on_the_public_home_page(database, client):
    import psycopg2

    from service.campaigns.demo import ensure_demo
    with psycopg2.connect(database) as conn:
        assert ensure_demo(conn, lambda line: None)
    conn.close()
    home = client.get("/").get_data(as_text=True)
    assert "2026 年度先进基层党组织和优秀共产党员评选" in home and "目前没有公开的评选活动" not in home

