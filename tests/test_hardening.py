"""Edge cases found in review: races, truncated uploads, odd headers, stale cookies, CLI errors."""
from __future__ import annotations

import dataclasses
import io
import os
import re
import subprocess
import sys
import threading

import psycopg2
import psycopg2.extras
import pytest
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from tests.conftest import ROOT, _csrf, _worker, recreate_database
from tests.helpers import GOOD, upload, xlsx
from tests.polling import wait_for_lock_waiter


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


def test_csv_with_a_huge_field_or_a_nul_is_refused(client, organiser_key, make_campaign, fingerprint):
    cid = make_campaign(ready=False)
    before = fingerprint()
    huge = ("名称\n" + "x" * 200_000 + "\n").encode()
    r = upload(client, cid, organiser_key, huge, "a.csv")
    assert r.status_code == 422 and r.json["error"]["code"] == "import_failed"
    r = upload(client, cid, organiser_key, "名称\n张\x00三\n".encode(), "a.csv")
    assert r.status_code == 422 and "2" in r.json["error"]["details"]["rows"]
    assert fingerprint() == before


def test_an_upload_over_the_limit_is_refused_not_shortened(client, app, make_user, login, make_campaign,
                                                          fingerprint, monkeypatch):
    cid = make_campaign(ready=False)
    token = login(make_user("organiser"))
    settings = app.config["SETTINGS"]
    rows = "名称\n" + "".join(f"人员{i:03d}\n" for i in range(200))
    data = rows.encode()
    before = fingerprint()
    small = dataclasses.replace(settings, upload_max_bytes=len(data) - 10)
    monkeypatch.setitem(app.config, "SETTINGS", small)
    boundary, body = encode_multipart({"file": FileStorage(io.BytesIO(data), "list.csv"), "csrf_token": token})
    r = client.post(f"/admin/campaigns/{cid}/subjects/import", data=body,
                    content_type=f"multipart/form-data; boundary={boundary}")
    assert r.status_code == 302
    page = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "文件超过大小上限" in page
    assert fingerprint() == before


def test_an_xlsx_over_the_row_cap_is_refused(client, organiser_key, make_campaign, monkeypatch):
    from service.campaigns import imports
    monkeypatch.setattr(imports, "MAX_ROWS", 2)
    cid = make_campaign(ready=False)
    r = upload(client, cid, organiser_key, xlsx(GOOD), "x.xlsx")  # three rows
    assert r.status_code == 422 and "at most 2 rows" in r.json["error"]["message"]


def test_commands_report_a_changed_migration_without_a_traceback(admin_dsn, tmp_path):
    dsn = recreate_database(admin_dsn, f"pingyi_cli_{_worker()}")
    env = {**os.environ, "DATABASE_URL": dsn, "PINGYI_VAR_DIR": str(tmp_path), "PINGYI_NEW_PASSWORD": "x" * 12}
    run = lambda *args: subprocess.run([sys.executable, "-m", "service", *args], cwd=ROOT, env=env,  # noqa: E731
                                       capture_output=True, text=True, timeout=60)
    assert run("migrate").returncode == 0
    with psycopg2.connect(dsn) as conn, conn.cursor() as cur:
        cur.execute("UPDATE schema_migrations SET checksum = 'tampered' WHERE version = 1")
    conn.close()
    for args in (["migrate"], ["demo"], ["create-user", "someone"], ["serve", "--no-demo"]):
        r = run(*args)
        assert r.returncode != 0, args
        assert "0001_init.sql was changed after it was applied" in r.stderr, (args, r.stderr)
        assert "Traceback" not in r.stderr, args
    recreate_database(admin_dsn, f"pingyi_cli_{_worker()}", drop_only=True)


@pytest.mark.parametrize("ids", [[], None])
def test_an_empty_id_list_means_all(client, organiser_key, make_campaign, ids):
    cid = make_campaign()
    rid = client.get(f"/api/v1/campaigns/{cid}", headers=organiser_key).json["rounds"][0]["id"]
    r = client.post(f"/api/v1/campaigns/{cid}/sections", headers=organiser_key, json={
        "round_id": rid, "type": "approve", "title": "x", "subject_ids": ids, "group_ids": ids})
    assert r.status_code == 201 and r.json["subject_ids"] is None and r.json["group_ids"] is None


def test_small_weights_keep_their_precision(client, organiser_key, make_campaign):
    cid = make_campaign(ready=False)
    r = client.post(f"/api/v1/campaigns/{cid}/groups", json={"name": "校领导", "weight": 0.00001},
                    headers=organiser_key)
    assert r.status_code == 201 and r.json["weight"] == 0.00001


def test_behind_a_trusted_proxy_clients_are_told_apart(settings):
    """With TRUSTED_PROXIES=1 the failed-code limit counts the forwarded client, not the proxy."""
    from service import create_app
    from service.core import ratelimit
    app = create_app({"SETTINGS": dataclasses.replace(settings, trusted_proxies=1)})
    c = app.test_client()
    ratelimit.reset()
    for _ in range(ratelimit.LIMIT_PER_MINUTE + 1):
        c.get("/b/0001000000000000000000000000", headers={"X-Forwarded-For": "203.0.113.7"})
    assert c.get("/b/0001000000000000000000000000", headers={"X-Forwarded-For": "203.0.113.7"}).status_code == 429
    assert c.get("/b/0001000000000000000000000000", headers={"X-Forwarded-For": "198.51.100.2"}).status_code == 404
