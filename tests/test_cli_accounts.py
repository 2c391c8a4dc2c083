"""Set-up without scraping pages: `reset-password` (prompted, or a one-time password that opens
only the change form) and `api-keys create|list|revoke` (the key printed once; `create-api-key`
its older name)."""
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



def _events(conn, prefix):
    with conn.cursor() as cur:
        cur.execute("""SELECT type, actor, payload::jsonb AS details FROM audit_log
                       WHERE type LIKE %s ORDER BY chain, height""", (prefix + "%",))
        rows = cur.fetchall()
    conn.commit()
    return rows


def test_api_keys_create_list_revoke(run_cli, client, conn):
    r = run_cli("api-keys", "create", "人事系统", "--scopes", "results,turnout", "--days", "30", "--rate", "120")
    assert r.exit_code == 0, r.output
    key = r.stdout.strip()
    assert key.startswith("pgy_") and "\n" not in key and "shown only this once" in r.stderr and key not in r.stderr
    auth = {"Authorization": f"Bearer {key}"}
    assert client.get("/api/v1/me", headers=auth).json["name"] == "人事系统"
    with conn.cursor() as cur:
        cur.execute("SELECT id, key_hash, expires_at - created_at AS term, rate_per_minute FROM api_keys")
        (row,) = cur.fetchall()
    conn.commit()
    assert row["term"].days == 30 and row["rate_per_minute"] == 120

    listed = run_cli("api-keys", "list")
    assert listed.exit_code == 0, listed.output
    head, line = listed.stdout.splitlines()
    assert head.split() == ["id", "name", "prefix", "scopes", "state", "expires", "(UTC)", "last", "used", "rate/min"]
    cells = line.split()
    assert cells[:5] == [str(row["id"]), "人事系统", key[:10] + "…", "results,turnout", "active"]
    assert cells[-1] == "120" and cells[-2] != "never"  # used once, by /me above
    assert key not in listed.output and row["key_hash"] not in listed.output

    done = run_cli("api-keys", "revoke", str(row["id"]))
    assert done.exit_code == 0 and "revoked API key" in done.stdout, done.output
    assert client.get("/api/v1/me", headers=auth).status_code == 401
    assert "revoked" in run_cli("api-keys", "list").stdout.splitlines()[1].split()
    again = run_cli("api-keys", "revoke", str(row["id"]))
    assert refused_cleanly(again) and "already revoked" in again.stderr
    unknown = run_cli("api-keys", "revoke", "999999")
    assert refused_cleanly(unknown) and "no such API key" in unknown.stderr
    # The same events as the page's and the API's, by the command line.
    events = _events(conn, "api_key.")
    assert [(e["type"], e["actor"]) for e in events] == [("api_key.created", "cli"), ("api_key.revoked", "cli")]
    assert events[0]["details"]["rate_per_minute"] == 120 and key not in str(events)


def test_api_keys_create_refuses_bad_input_and_changes_nothing(run_cli, fingerprint):
    before = fingerprint()
    for bad in (["x", "--scopes", "everything"], ["", "--scopes", "results"], ["x", "--scopes", "results", "--days", "0"],
                ["x", "--scopes", "results", "--days", "731"], ["x", "--scopes", "results", "--rate", "0"]):
        r = run_cli("api-keys", "create", *bad)
        assert refused_cleanly(r) and "invalid" in r.stderr and r.stdout == "", (bad, r.output)
    r = run_cli("api-keys", "create", "x", "--scopes", "results", "--days", "many")
    assert r.exit_code != 0 and r.stdout == ""
    assert fingerprint() == before
    assert run_cli("api-keys", "list").stdout.strip() == "no API keys"


def test_create_api_key_takes_days_and_rate_too(run_cli, conn):
    r = run_cli("create-api-key", "--name", "门户", "--scopes", "handout", "--days", "7", "--rate", "50")
    assert r.exit_code == 0, r.output
    with conn.cursor() as cur:
        cur.execute("SELECT expires_at - created_at AS term, rate_per_minute FROM api_keys")
        (row,) = cur.fetchall()
    assert row["term"].days == 7 and row["rate_per_minute"] == 50
