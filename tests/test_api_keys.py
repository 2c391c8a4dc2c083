"""API keys expire, are refused at once when revoked, name the scope they lack, keep to their
requests a minute (counted in the database, a moved clock instead of waiting) and remember the
day they were last used, written at most once a day."""
from __future__ import annotations

import pytest

from service.accounts import keyguard

DAY = 86400


@pytest.fixture
def key_clock(monkeypatch):
    """The key guard's clock, moved by hand (starts on a minute's first second)."""
    import time
    now = [float(int(time.time()) // 60 * 60)]
    monkeypatch.setattr(keyguard, "clock", lambda: now[0])
    return now


def _create(client, admin, **fields):
    body = {"name": "学校门户", "scopes": ["results"], **fields}
    r = client.post("/api/v1/api-keys", json=body, headers=admin)
    assert r.status_code == 201, r.json
    return r.json, {"Authorization": f"Bearer {r.json['key']}"}


def test_a_key_expires_after_its_days(client, make_key, key_clock):
    row, key = _create(client, make_key("admin"), days=30)
    assert client.get("/api/v1/campaigns", headers=key).status_code == 200
    key_clock[0] += 29 * DAY
    assert client.get("/api/v1/campaigns", headers=key).status_code == 200
    key_clock[0] += 2 * DAY
    r = client.get("/api/v1/campaigns", headers=key)
    assert r.status_code == 401 and r.json["error"]["code"] == "api_key_expired"


def test_expiry_defaults_to_90_days_and_has_a_limit(client, make_key):
    admin = make_key("admin")
    row, _ = _create(client, admin)
    from datetime import datetime
    days = (datetime.fromisoformat(row["expires_at"]) - datetime.fromisoformat(row["created_at"])).days
    assert days == 90 and row["rate_per_minute"] == 600 and row["state"] == "active"
    for bad in ({"days": 731}, {"days": 0}, {"days": "90"}, {"rate_per_minute": 0}):
        r = client.post("/api/v1/api-keys", json={"name": "x", "scopes": ["results"], **bad}, headers=admin)
        assert r.status_code == 422, bad


def test_a_revoked_key_is_refused_on_the_very_next_request(client, make_key):
    admin = make_key("admin")
    row, key = _create(client, admin)
    assert client.get("/api/v1/campaigns", headers=key).status_code == 200
    assert client.delete(f"/api/v1/api-keys/{row['id']}", headers=admin).status_code == 204
    r = client.get("/api/v1/campaigns", headers=key)
    assert r.status_code == 401 and r.json["error"]["code"] == "api_key_revoked"


def test_a_key_without_the_scope_is_told_which_scope(client, make_key):
    r = client.get("/api/v1/api-keys", headers=make_key("results"))
    assert r.status_code == 403
    assert "admin" in r.json["error"]["message"] and r.json["error"]["details"]["scopes"] == ["admin"]
    r = client.get("/api/v1/campaigns/1/turnout", headers=make_key("handout"))
    assert r.status_code == 403 and "turnout" in r.json["error"]["details"]["scopes"]
    assert "turnout" in r.json["error"]["message"]


def test_the_rate_limit_answers_429_then_lets_the_next_minute_in(client, make_key, key_clock, conn):
    row, key = _create(client, make_key("admin"), rate_per_minute=3)
    for _ in range(3):
        assert client.get("/api/v1/campaigns", headers=key).status_code == 200
    key_clock[0] += 20
    r = client.get("/api/v1/campaigns", headers=key)
    assert r.status_code == 429 and r.json["error"]["code"] == "api_key_rate_limited"
    assert r.headers["Retry-After"] == "40" and r.json["error"]["details"]["limit"] == 3
    key_clock[0] += 40  # the next minute
    assert client.get("/api/v1/campaigns", headers=key).status_code == 200
    with conn.cursor() as cur:  # counted in the database, the past minute's row gone
        cur.execute("SELECT minute, requests FROM api_key_windows WHERE key_id = %s", (row["id"],))
        assert [tuple(r.values()) for r in cur.fetchall()] == [(int(key_clock[0]) // 60, 1)]


def test_the_rate_limit_is_per_key(client, make_key, key_clock):
    admin = make_key("admin")
    _, one = _create(client, admin, rate_per_minute=1)
    _, two = _create(client, admin, rate_per_minute=1)
    assert client.get("/api/v1/campaigns", headers=one).status_code == 200
    assert client.get("/api/v1/campaigns", headers=one).status_code == 429
    assert client.get("/api/v1/campaigns", headers=two).status_code == 200


def test_the_last_used_date_is_written_at_most_once_a_day(client, make_key, key_clock, conn):
    row, key = _create(client, make_key("admin"))

    def last_used():
        with conn.cursor() as cur:
            cur.execute("SELECT last_used_on, xmin::text AS version FROM api_keys WHERE id = %s", (row["id"],))
            return cur.fetchone()
        conn.commit()

    assert last_used()["last_used_on"] is None
    client.get("/api/v1/campaigns", headers=key)
    first = last_used()
    assert first["last_used_on"] is not None
    conn.commit()
    for _ in range(3):
        client.get("/api/v1/campaigns", headers=key)
    assert last_used() == first  # the same day: the row was not written again (same xmin)
    conn.commit()
    key_clock[0] += DAY
    client.get("/api/v1/campaigns", headers=key)
    later = last_used()
    assert (later["last_used_on"] - first["last_used_on"]).days == 1
    listed = {k["id"]: k for k in client.get("/api/v1/api-keys", headers=make_key("admin")).json}
    assert listed[row["id"]]["last_used_on"] == later["last_used_on"].isoformat()
