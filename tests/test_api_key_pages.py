"""The API keys' admin page: create with days and a rate (the key shown once), the list in words,
one clock for 已过期 and the 401, revoke through a confirm step, refusals that change nothing."""
from __future__ import annotations

import datetime as dt
import re

import pytest

from service.accounts import keyguard

DAY = 86400


@pytest.fixture
def key_clock(monkeypatch):
    import time
    now = [float(int(time.time()))]
    monkeypatch.setattr(keyguard, "clock", lambda: now[0])
    return now


@pytest.fixture
def admin_page(client, make_user, login):
    token = login(make_user("admin"))
    return type("Admin", (), {"client": client, "csrf": token})


def _create(admin, **fields):
    form = {"csrf_token": admin.csrf, "_form": "new-key", "name": "学校门户", "scopes": ["results", "turnout"], **fields}
    return admin.client.post("/admin/api-keys", data=form)


def _row(html, key_id):
    m = re.search(rf'<tr data-key-id="{key_id}">(.*?)</tr>', html, re.S)
    assert m, html
    return {label: re.sub(r"<[^>]+>", "", text).strip()
            for label, text in re.findall(r'<td data-label="([^"]+)">(.*?)</td>', m.group(1), re.S)}


def _keys(conn):
    with conn.cursor() as cur:
        cur.execute("SELECT id, name, scopes, rate_per_minute, expires_at - created_at AS term FROM api_keys ORDER BY id")
        rows = cur.fetchall()
    conn.commit()
    return rows


def test_a_new_key_is_shown_once_with_its_days_and_rate(admin_page, conn, client):
    r = _create(admin_page, days="30", rate_per_minute="120")
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    key = re.search(r'<code class="secret" id="new-key">(pgy_[^<]+)</code>', html).group(1)
    assert "只显示这一次" in html and "复制密钥" in html
    (row,) = _keys(conn)
    assert row["term"] == dt.timedelta(days=30) and row["rate_per_minute"] == 120
    assert row["scopes"] == ["results", "turnout"]
    listed = _row(html, row["id"])
    assert listed["名称"] == "学校门户" and listed["范围"].split() == ["读取结果", "读取参评率"]
    assert listed["状态"] == "有效" and listed["最近使用"] == "从未使用" and listed["速率"] == "120 次/分钟"
    assert listed["前缀"] == key[:10] + "…"
    again = admin_page.client.get("/admin/api-keys").get_data(as_text=True)
    assert key not in again and key[:10] in again  # never shown again
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {key}"}).json["name"] == "学校门户"


def test_the_form_shows_its_defaults_and_limits(admin_page):
    html = admin_page.client.get("/admin/api-keys").get_data(as_text=True)
    assert 'name="days" type="number" inputmode="numeric" min="1" max="730"' in html and 'value="90"' in html
    assert 'name="rate_per_minute"' in html and 'max="10000"' in html and 'value="600"' in html
    assert "1 至 730 天，默认 90 天" in html and "1 至 10000 次，默认 600 次" in html


def test_blank_days_and_rate_take_the_defaults(admin_page, conn):
    assert _create(admin_page, days="", rate_per_minute="").status_code == 200
    (row,) = _keys(conn)
    assert row["term"] == dt.timedelta(days=90) and row["rate_per_minute"] == 600


@pytest.mark.parametrize("fields, message", [
    ({"days": "0"}, "有效天数：须在 1 至 730 之间"),
    ({"days": "731"}, "有效天数：须在 1 至 730 之间"),
    ({"days": "三十"}, "有效天数：不是有效的整数"),
    ({"rate_per_minute": "0"}, "每分钟请求上限：须在 1 至 10000 之间"),
    ({"rate_per_minute": "1.5"}, "每分钟请求上限：不是有效的整数"),
    ({"scopes": []}, "权限范围"),
    ({"name": "  "}, "名称"),
])
def test_bad_input_is_refused_in_chinese_and_changes_nothing(admin_page, conn, fingerprint, fields, message):
    before = fingerprint()
    r = _create(admin_page, **fields)
    html = r.get_data(as_text=True)
    assert r.status_code == 422 and 'id="new-key"' not in html
    errors = html.split('class="form-errors"', 1)[1].split("</div>", 1)[0]
    assert message in errors, errors
    assert fingerprint() == before
    if "days" in fields:  # what was typed stays in the form
        assert f'value="{fields["days"]}"' in html


def test_a_key_is_shown_expired_exactly_when_its_requests_are_refused(admin_page, client, key_clock, conn):
    html = _create(admin_page, days="1").get_data(as_text=True)
    key = re.search(r'id="new-key">(pgy_[^<]+)<', html).group(1)
    (row,) = _keys(conn)
    with conn.cursor() as cur:
        cur.execute("SELECT extract(epoch FROM expires_at)::float8 AS at FROM api_keys")
        expires = cur.fetchone()["at"]
    conn.commit()
    auth = {"Authorization": f"Bearer {key}"}

    def seen():
        listed = _row(admin_page.client.get("/admin/api-keys").get_data(as_text=True), row["id"])["状态"]
        api = client.get("/api/v1/api-keys", headers={"Authorization": admin_key}).json
        return listed, {k["id"]: k["state"] for k in api}[row["id"]], client.get("/api/v1/campaigns", headers=auth)

    admin_key = "Bearer " + re.search(r'id="new-key">(pgy_[^<]+)<', _create(
        admin_page, name="管理脚本", scopes=["admin"], days="30").get_data(as_text=True)).group(1)
    key_clock[0] = expires - 0.5
    listed, api_state, r = seen()
    assert (listed, api_state, r.status_code) == ("有效", "active", 200)
    key_clock[0] = expires
    listed, api_state, r = seen()
    assert (listed, api_state, r.status_code) == ("已过期", "expired", 401)
    assert r.json["error"]["code"] == "api_key_expired"


def test_the_list_shows_the_expiry_date_and_the_last_use(admin_page, client, conn):
    html = _create(admin_page, days="10").get_data(as_text=True)
    key = re.search(r'id="new-key">(pgy_[^<]+)<', html).group(1)
    client.get("/api/v1/campaigns", headers={"Authorization": f"Bearer {key}"})
    (row,) = _keys(conn)
    with conn.cursor() as cur:
        cur.execute("SELECT (expires_at AT TIME ZONE 'Asia/Shanghai')::date AS day, last_used_on FROM api_keys")
        facts = cur.fetchone()
    conn.commit()
    listed = _row(admin_page.client.get("/admin/api-keys").get_data(as_text=True), row["id"])
    assert listed["到期"] == facts["day"].isoformat() and listed["最近使用"] == facts["last_used_on"].isoformat()


def test_revoking_asks_first_then_refuses_the_key(admin_page, client, conn, fingerprint):
    html = _create(admin_page).get_data(as_text=True)
    key = re.search(r'id="new-key">(pgy_[^<]+)<', html).group(1)
    (row,) = _keys(conn)
    auth = {"Authorization": f"Bearer {key}"}
    page = admin_page.client.get(f"/admin/api-keys/{row['id']}/revoke")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "确认撤销" in text and "下一次请求起" in text
    assert client.get("/api/v1/campaigns", headers=auth).status_code == 200  # asking changed nothing
    before = fingerprint()
    no_token = admin_page.client.post(f"/admin/api-keys/{row['id']}/revoke", data={})
    assert no_token.status_code in (400, 403) and fingerprint() == before
    done = admin_page.client.post(f"/admin/api-keys/{row['id']}/revoke", data={"csrf_token": admin_page.csrf})
    assert done.status_code == 302
    listed = admin_page.client.get("/admin/api-keys").get_data(as_text=True)
    assert "已撤销密钥「学校门户」" in listed and _row(listed, row["id"])["状态"] == "已撤销"
    assert _row(listed, row["id"])["操作"] == "—"
    r = client.get("/api/v1/campaigns", headers=auth)
    assert r.status_code == 401 and r.json["error"]["code"] == "api_key_revoked"
    again = admin_page.client.post(f"/admin/api-keys/{row['id']}/revoke", data={"csrf_token": admin_page.csrf},
                                   follow_redirects=True)
    assert "该密钥已经撤销" in again.get_data(as_text=True)
    with conn.cursor() as cur:
        cur.execute("SELECT type, actor FROM audit_log WHERE type LIKE 'api_key.%%' ORDER BY chain, height")
        assert [e["type"] for e in cur.fetchall()] == ["api_key.created", "api_key.revoked"]
    assert admin_page.client.get("/admin/api-keys/999999/revoke").status_code == 404


def test_only_admins_see_the_keys(client, make_user, login):
    login(make_user("organiser"))
    assert client.get("/admin/api-keys").status_code == 403
    assert client.get("/admin/api-keys/1/revoke").status_code == 403
