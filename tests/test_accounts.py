"""Sign-in, CSRF, throttling, users and API keys, the create-user command."""
from __future__ import annotations

import os
import subprocess
import sys

from tests.conftest import PASSWORD, ROOT, _csrf


def test_sign_in_and_out(client, make_user):
    user = make_user("organiser")
    client.get("/login")
    r = client.post("/login", data={"username": user["username"], "password": PASSWORD,
                                    "csrf_token": _csrf(client), "next": "/admin/users"})
    assert r.status_code == 302 and r.headers["Location"] == "/admin/users"
    assert client.get("/admin/").status_code == 200
    r = client.post("/logout", data={"csrf_token": _csrf(client)})
    assert r.status_code == 302
    assert client.get("/admin/").status_code == 302


def test_wrong_password_and_unknown_user_look_the_same(client, make_user):
    user = make_user()
    client.get("/login")
    a = client.post("/login", data={"username": user["username"], "password": "nope",
                                    "csrf_token": _csrf(client)})
    b = client.post("/login", data={"username": "ghost", "password": "nope", "csrf_token": _csrf(client)})
    assert a.status_code == b.status_code == 401
    assert "用户名或密码不正确" in a.get_data(as_text=True) and "用户名或密码不正确" in b.get_data(as_text=True)


def test_offsite_next_is_ignored(client, make_user):
    user = make_user()
    client.get("/login")
    r = client.post("/login", data={"username": user["username"], "password": PASSWORD,
                                    "csrf_token": _csrf(client), "next": "https://evil.example/"})
    assert r.headers["Location"] == "/admin/"


def test_login_is_throttled_per_account(client, make_user, conn):
    user = make_user()
    client.get("/login")
    for _ in range(5):
        r = client.post("/login", data={"username": user["username"], "password": "bad",
                                        "csrf_token": _csrf(client)})
        assert r.status_code == 401
    r = client.post("/login", data={"username": user["username"], "password": PASSWORD,
                                    "csrf_token": _csrf(client)})
    assert r.status_code == 429 and "登录失败次数过多" in r.get_data(as_text=True)
    with conn.cursor() as cur:  # the lock-out is stored by account name, never by address
        cur.execute("SELECT * FROM login_throttle")
        row = cur.fetchone()
    assert row["username_key"] == user["username"].lower() and row["locked_until"] is not None
    with conn.cursor() as cur:
        cur.execute("UPDATE login_throttle SET locked_until = now() - interval '1 second'")
    conn.commit()
    r = client.post("/login", data={"username": user["username"], "password": PASSWORD,
                                    "csrf_token": _csrf(client)})
    assert r.status_code == 302


def test_forms_without_the_csrf_token_are_refused(client, make_user, login, fingerprint):
    login(make_user("organiser"))
    before = fingerprint()
    r = client.post("/admin/campaigns", data={"title": "无令牌"})
    assert r.status_code == 403
    r = client.post("/admin/campaigns", data={"title": "错令牌", "csrf_token": "forged"})
    assert r.status_code == 403
    assert fingerprint() == before


def test_disabled_users_and_changed_passwords_end_sessions(client, make_user, login, make_key):
    user = make_user("organiser")
    login(user)
    assert client.get("/admin/").status_code == 200
    admin = make_key("admin")
    r = client.patch(f"/api/v1/users/{user['id']}", json={"password": "a new long password"}, headers=admin)
    assert r.status_code == 200
    assert client.get("/admin/").status_code == 302  # the old session no longer counts
    user["password"] = "a new long password"
    login(user)
    client.patch(f"/api/v1/users/{user['id']}", json={"disabled": True}, headers=admin)
    assert client.get("/admin/").status_code == 302


def test_the_last_admin_cannot_be_demoted(client, make_user, make_key):
    admin_user = make_user("admin")
    key = make_key("admin")
    r = client.patch(f"/api/v1/users/{admin_user['id']}", json={"role": "viewer"}, headers=key)
    assert r.status_code == 409 and r.json["error"]["code"] == "last_admin"
    make_user("admin")
    assert client.patch(f"/api/v1/users/{admin_user['id']}", json={"role": "viewer"}, headers=key).status_code == 200


def test_users_over_the_api(client, make_key):
    key = make_key("admin")
    r = client.post("/api/v1/users", json={"username": "teller1", "password": "0123456789",
                                           "role": "auditor", "display_name": "唱票人"}, headers=key)
    assert r.status_code == 201 and "password" not in r.json and "password_hash" not in r.json
    dup = client.post("/api/v1/users", json={"username": "TELLER1", "password": "0123456789",
                                             "role": "viewer"}, headers=key)
    assert dup.status_code == 409
    names = [u["username"] for u in client.get("/api/v1/users", headers=key).json]
    assert names == ["teller1"]


def test_api_keys_are_shown_once_stored_hashed_and_revocable(client, make_key, conn):
    admin = make_key("admin")
    r = client.post("/api/v1/api-keys", json={"name": "学校门户", "scopes": ["results", "turnout"]},
                    headers=admin)
    assert r.status_code == 201
    key = r.json["key"]
    assert key.startswith("pgy_") and r.json["prefix"] == key[:10]
    with conn.cursor() as cur:
        cur.execute("SELECT * FROM api_keys WHERE id = %s", (r.json["id"],))
        row = cur.fetchone()
    assert key not in str(row.values()) and row["key_hash"] != key
    listed = client.get("/api/v1/api-keys", headers=admin).json
    assert all("key" not in k for k in listed)
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {key}"}).json
    assert me["kind"] == "key" and "results:read" in me["permissions"] and "campaigns:write" not in me["permissions"]
    assert client.delete(f"/api/v1/api-keys/{r.json['id']}", headers=admin).status_code == 204
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {key}"}).status_code == 401
    again = client.delete(f"/api/v1/api-keys/{r.json['id']}", headers=admin)
    assert again.status_code == 409


def test_create_user_command(database, settings, conn):
    env = {**os.environ, "DATABASE_URL": database, "PINGYI_VAR_DIR": str(settings.var_dir),
           "PINGYI_NEW_PASSWORD": "a very long password"}
    r = subprocess.run([sys.executable, "-m", "service", "create-user", "auditor1", "--role", "auditor"],
                       cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert "created auditor auditor1" in r.stdout
    with conn.cursor() as cur:
        cur.execute("SELECT role FROM users WHERE username = 'auditor1'")
        assert cur.fetchone()["role"] == "auditor"
    again = subprocess.run([sys.executable, "-m", "service", "create-user", "auditor1"],
                           cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert again.returncode != 0 and "already exists" in again.stderr
    short = subprocess.run([sys.executable, "-m", "service", "create-user", "x2", "--password", "short"],
                           cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert short.returncode != 0 and "password" in short.stderr
