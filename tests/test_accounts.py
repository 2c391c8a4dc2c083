"""Sign-in, CSRF, throttling, users and API keys, the create-user command."""
from __future__ import annotations

import re
import threading

import psycopg2
import psycopg2.extras
import pytest

from tests.conftest import PASSWORD, _csrf, refused_cleanly
from tests.helpers import sign_in
from tests.polling import wait_for_lock_waiter


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


@pytest.fixture
def frozen_clock(monkeypatch):
    """The throttle's one clock, moved by hand: delays are checked without waiting."""
    from service.accounts import throttle
    now = [1_900_000_000.0]
    monkeypatch.setattr(throttle, "clock", lambda: now[0])
    return now


def throttle_row(conn, name, app):
    """The account's throttle row, found by the keyed hash of its name (the only key kept)."""
    from service.accounts.throttle import name_key
    secret_key = app.config["SETTINGS"].secret_key
    with conn.cursor() as cur:
        cur.execute("SELECT * FROM login_throttle")
        everything = str(cur.fetchall())
        cur.execute("SELECT username_key, failures, extract(epoch FROM locked_until) AS until FROM login_throttle "
                    "WHERE username_key = %s", (name_key(secret_key, name),))
        row = cur.fetchone()
    conn.commit()
    assert name.lower() not in everything.lower()  # neither the name nor anything typed in its place
    return row


def test_login_is_throttled_per_account(app, make_user, conn, frozen_clock):
    user, attacker = make_user(), app.test_client()
    for _ in range(5):
        assert sign_in(attacker, user["username"], "bad", "10.0.0.66").status_code == 401
    r = sign_in(attacker, user["username"], PASSWORD, "10.0.0.66")  # not even the right password is checked
    assert r.status_code == 429 and "登录失败次数过多" in r.get_data(as_text=True)
    row = throttle_row(conn, user["username"], app)  # stored by account name, never by address
    assert row["failures"] == 5 and row["until"] == frozen_clock[0] + 1
    with conn.cursor() as cur:
        cur.execute("SELECT * FROM login_throttle")
        assert "10.0.0.66" not in str(cur.fetchall())
    frozen_clock[0] += 1  # the delay is over: the attacker's next guess is checked, and doubles it
    assert sign_in(attacker, user["username"], "bad", "10.0.0.66").status_code == 401
    assert throttle_row(conn, user["username"], app)["until"] == frozen_clock[0] + 2
    assert sign_in(attacker, user["username"], "bad", "10.0.0.66").status_code == 429
    frozen_clock[0] += 2
    assert sign_in(attacker, user["username"], PASSWORD, "10.0.0.66").status_code == 302
    assert throttle_row(conn, user["username"], app) is None  # a success clears the name


def test_the_right_password_from_a_clean_client_gets_in_while_an_attacker_hammers(app, make_user, conn,
                                                                                   frozen_clock):
    user = make_user()
    attacker, real = app.test_client(), app.test_client()
    for _ in range(5):
        sign_in(attacker, user["username"], "bad", "10.0.0.66")
    for _ in range(10):  # hammering: refused, the password unchecked, nothing counted
        assert sign_in(attacker, user["username"], "guess", "10.0.0.66").status_code == 429
    assert throttle_row(conn, user["username"], app)["failures"] == 5
    r = sign_in(real, user["username"], PASSWORD, "10.0.0.7")
    assert r.status_code == 302 and real.get("/admin/").status_code == 200


def test_a_wrong_password_from_a_clean_client_is_checked_and_counts(app, make_user, conn, frozen_clock):
    user = make_user()
    for _ in range(6):
        sign_in(app.test_client(), user["username"], "bad", "10.0.0.66")
    fresh = app.test_client()
    assert sign_in(fresh, user["username"], "also bad", "10.0.0.8").status_code == 401  # checked
    row = throttle_row(conn, user["username"], app)
    assert row["failures"] == 6 and row["until"] == frozen_clock[0] + 2
    assert sign_in(fresh, user["username"], PASSWORD, "10.0.0.8").status_code == 429  # no longer clean


def test_a_client_spraying_many_names_is_refused_after_its_budget(app, make_user, frozen_clock):
    from service.accounts import throttle
    budget = app.config["SETTINGS"].login_client_failures
    user, sprayer = make_user(), app.test_client()
    for i in range(budget):  # one guess at each of many names
        assert sign_in(sprayer, f"staff{i:03d}", "123456", "203.0.113.9").status_code == 401
    r = sign_in(sprayer, "staff999", "123456", "203.0.113.9")
    assert r.status_code == 429 and "登录失败次数过多" in r.get_data(as_text=True)
    assert sign_in(sprayer, user["username"], PASSWORD, "203.0.113.9").status_code == 429  # unchecked
    assert sign_in(app.test_client(), user["username"], PASSWORD, "203.0.113.10").status_code == 302
    assert "203.0.113.9" not in repr(throttle._state)  # only keyed hashes, in memory
    frozen_clock[0] += 2 * throttle.LOGIN_CLIENT_WINDOW  # forgotten two windows later
    assert sign_in(sprayer, user["username"], PASSWORD, "203.0.113.9").status_code == 302


def test_an_ipv6_client_is_counted_by_its_64(app, frozen_clock):
    budget = app.config["SETTINGS"].login_client_failures
    c = app.test_client()
    for i in range(budget):  # a new address of the same /64 for every guess
        assert sign_in(c, f"staff{i:03d}", "123456", f"2001:db8:1:2::{i + 1:x}").status_code == 401
    assert sign_in(c, "staff999", "123456", "2001:db8:1:2:ffff::1").status_code == 429
    assert sign_in(c, "staff999", "123456", "2001:db8:1:3::1").status_code == 401


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


def test_create_user_command(run_cli, conn):
    env = {"PINGYI_NEW_PASSWORD": "a very long password"}
    r = run_cli("create-user", "auditor1", "--role", "auditor", env=env)
    assert r.exit_code == 0, r.output
    assert "created auditor auditor1" in r.stdout
    with conn.cursor() as cur:
        cur.execute("SELECT role FROM users WHERE username = 'auditor1'")
        assert cur.fetchone()["role"] == "auditor"
    conn.commit()
    again = run_cli("create-user", "auditor1", env=env)
    assert refused_cleanly(again) and "already exists" in again.stderr
    short = run_cli("create-user", "x2", "--password", "short")
    assert refused_cleanly(short) and "password" in short.stderr


def test_parallel_wrong_passwords_are_counted_one_by_one(app, make_user, monkeypatch):
    from service.accounts import throttle
    monkeypatch.setattr(throttle, "clock", lambda: 1_900_000_000.0)  # the delay cannot run out meanwhile
    user = make_user()
    statuses = []

    def attempt():
        c = app.test_client()
        c.get("/login")
        statuses.append(c.post("/login", data={"username": user["username"], "password": "wrong",
                                               "csrf_token": _csrf(c)}).status_code)

    threads = [threading.Thread(target=attempt) for _ in range(9)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) == [401] * 5 + [429] * 4


def test_two_admins_cannot_demote_each_other_at_once(app, database, make_user, make_key):
    from service.accounts import operations as accounts
    from service.accounts.auth import ROLES, Principal
    a, b = make_user("admin"), make_user("admin")
    key = make_key("admin")
    actor = Principal("user", a["id"], a["username"], ROLES["admin"], "admin")
    first = psycopg2.connect(database, cursor_factory=psycopg2.extras.RealDictCursor)
    with first.cursor() as cur:
        accounts.update_user(cur, actor, a["id"], {"role": "viewer"})  # not yet committed
    result = {}
    t = threading.Thread(target=lambda: result.setdefault(
        "r", app.test_client().patch(f"/api/v1/users/{b['id']}", json={"role": "viewer"}, headers=key)))
    t.start()
    wait_for_lock_waiter(database, "the second demotion to wait on the first's lock")
    assert t.is_alive() and not result, "the second demotion must wait for the first"
    first.commit()
    first.close()
    t.join(30)
    assert not t.is_alive()
    assert result["r"].status_code == 409 and result["r"].json["error"]["code"] == "last_admin"


def test_pages_ignore_a_proxys_basic_auth_header(client, make_user, login):
    login(make_user("organiser"))
    headers = {"Authorization": "Basic dXNlcjpwYXNz"}
    assert client.get("/admin/", headers=headers).status_code == 200
    assert client.get("/login", headers=headers).status_code in (200, 302)


def test_signing_out_ends_the_users_other_sessions(app, make_user, login):
    user = make_user("organiser")
    phone, laptop = app.test_client(), app.test_client()
    login(user, phone)
    login(user, laptop)
    assert laptop.get("/admin/").status_code == 200
    phone.post("/logout", data={"csrf_token": _csrf(phone)})
    assert laptop.get("/admin/").status_code == 302  # a copied cookie is dead too


def test_anonymous_form_posts_with_a_valid_token_go_to_sign_in(app, client):
    client.get("/login")
    token = _csrf(client)
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/admin") and "POST" in rule.methods:
            url = re.sub(r"<int:\w+>", "1", rule.rule) \
                .replace("<any(groups, subjects, rounds, sections):part>", "groups")
            r = client.post(url, data={"csrf_token": token})
            assert r.status_code == 302 and "/login" in r.headers["Location"], rule.rule
