"""Scheduled voting (issue 13.5): a round's opening and closing times, on a clock the test moves
(service.campaigns.schedule.now): casts outside the window are refused, and the campaign opens
and closes by itself through the same transition an organiser's button makes."""
from __future__ import annotations

import datetime as dt

import pytest

from service.campaigns import schedule
from tests.conftest import issue_tokens

T0 = dt.datetime(2026, 12, 8, 1, 30, tzinfo=dt.timezone.utc)  # 09:30 China time


@pytest.fixture
def clock(monkeypatch):
    state = {"now": T0 - dt.timedelta(hours=1)}
    monkeypatch.setattr(schedule, "now", lambda: state["now"])

    def move(to):
        state["now"] = to
    return move


@pytest.fixture
def scheduled(client, organiser_key, make_campaign, clock):
    """An announced campaign whose two rounds vote 09:30–10:00 and 10:00–10:30 (China time)."""
    cid = make_campaign()
    c = client.get(f"/api/v1/campaigns/{cid}", headers=organiser_key).get_json()
    first = c["rounds"][0]
    r = client.put(f"/api/v1/campaigns/{cid}/rounds/{first['id']}", headers=organiser_key, json={
        "title": first["title"], "kind": first["kind"], "opens_at": "2026-12-08T09:30:00+08:00",
        "closes_at": "2026-12-08T10:00:00+08:00"})
    assert r.status_code == 200, r.get_json()
    second = client.post(f"/api/v1/campaigns/{cid}/rounds", headers=organiser_key, json={
        "title": "第二轮", "kind": "evaluation", "opens_at": "2026-12-08T02:00:00Z",
        "closes_at": "2026-12-08T02:30:00Z"}).get_json()["id"]
    client.post(f"/api/v1/campaigns/{cid}/sections", headers=organiser_key, json={
        "round_id": second, "type": "text", "title": "意见建议"})
    assert client.post(f"/api/v1/campaigns/{cid}/transitions", json={"to": "announced"},
                       headers=organiser_key).status_code == 200
    return cid, first["id"], second, c["groups"][0]["id"]


def _state(client, organiser_key, cid):
    return client.get(f"/api/v1/campaigns/{cid}", headers=organiser_key).get_json()["state"]


def _cast(client, token):
    return client.post("/api/v1/ballots:cast", json={"token": token, "answers": {}})


def test_a_scheduled_campaign_opens_and_closes_by_itself(app, client, organiser_key, scheduled, clock, auditor_key):
    cid, first, second, group = scheduled
    tokens = issue_tokens(app, cid, first, group, 3)
    later = issue_tokens(app, cid, second, group, 2)
    with app.app_context():
        assert schedule.run_due() == []  # 08:30: nothing is due
    assert _state(client, organiser_key, cid) == "announced"
    clock(T0)
    with app.app_context():
        assert schedule.run_due() == [(cid, "open")]
        assert schedule.run_due() == []  # done once
    assert _state(client, organiser_key, cid) == "open"
    assert _cast(client, tokens[0]).status_code == 201  # the round key was made: the same transition
    r = _cast(client, later[0])  # the second round opens at 10:00
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "voting_not_open"
    assert r.get_json()["error"]["details"]["opens_at"] == "2026-12-08T02:00:00+00:00"
    page = client.get(f"/b/{later[0]}")  # the voter who scans early is told when, in China time
    assert page.status_code == 409 and "本轮投票开始时间：<strong>2026-12-08 10:00</strong>" in page.get_data(as_text=True)
    clock(T0 + dt.timedelta(minutes=30))  # 10:00: the first closed, the second open
    r = _cast(client, tokens[1])
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "voting_closed"
    assert _cast(client, later[0]).status_code == 201
    with app.app_context():
        assert schedule.run_due() == []  # the second round still runs
    clock(T0 + dt.timedelta(minutes=60))
    with app.app_context():
        assert schedule.run_due() == [(cid, "closed")]
    assert _state(client, organiser_key, cid) == "closed"
    results = client.get(f"/api/v1/campaigns/{cid}/rounds/{first}/results", headers=organiser_key).get_json()
    assert results["ballots"] == 1  # mixed at the close, as a button's close mixes
    log = client.get(f"/api/v1/audit/log?campaign_id={cid}&type=campaign.transition", headers=auditor_key).get_json()
    assert [(e["actor"], e["details"]["to"]) for e in log][:2] == [("system:schedule", "closed"),
                                                                   ("system:schedule", "open")]


def test_a_campaign_with_a_round_without_closing_time_is_not_closed_by_the_schedule(
        app, client, organiser_key, make_campaign, clock):
    cid = make_campaign()
    c = client.get(f"/api/v1/campaigns/{cid}", headers=organiser_key).get_json()
    rnd = c["rounds"][0]
    client.put(f"/api/v1/campaigns/{cid}/rounds/{rnd['id']}", headers=organiser_key, json={
        "title": rnd["title"], "kind": rnd["kind"], "opens_at": T0.isoformat()})
    for state in ("announced",):
        client.post(f"/api/v1/campaigns/{cid}/transitions", json={"to": state}, headers=organiser_key)
    clock(T0 + dt.timedelta(days=3))
    with app.app_context():
        assert schedule.run_due() == [(cid, "open")]
        assert schedule.run_due() == []
    assert _state(client, organiser_key, cid) == "open"


@pytest.mark.parametrize("body,field", [
    ({"opens_at": "2026-12-08T10:00:00+08:00", "closes_at": "2026-12-08T09:00:00+08:00"}, "closes_at"),
    ({"opens_at": "2026-12-08T10:00:00"}, "opens_at"),  # no offset: which 10:00?
    ({"closes_at": "tomorrow"}, "closes_at"),
    ({"opens_at": "9999-12-31T23:00:00-12:00"}, "opens_at"),  # a year past 9999 in UTC: refused, not a 500
    ({"opens_at": "1999-12-31T23:00:00Z"}, "opens_at"),
    ({"closes_at": "2026-12-08T00:00:00Z"}, "closes_at"),  # already past on the test's clock (00:30 UTC)
])
def test_a_bad_window_is_refused_and_changes_nothing(client, organiser_key, make_campaign, fingerprint, body, field,
                                                     clock):
    cid = make_campaign()
    before = fingerprint()
    r = client.post(f"/api/v1/campaigns/{cid}/rounds", headers=organiser_key,
                    json={"title": "定时轮", "kind": "evaluation", **body})
    assert r.status_code == 422 and field in r.get_json()["error"]["details"]["fields"]
    assert fingerprint() == before


def test_the_page_reads_its_times_in_china_time_and_the_projector_counts_down(
        app, client, organiser_key, make_campaign, make_user, login, clock):
    from tests.conftest import _csrf
    cid = make_campaign()
    login(make_user("organiser", username="dingshi"))
    r = client.post(f"/admin/campaigns/{cid}/rounds", data={
        "csrf_token": _csrf(client), "_form": "add-round", "title": "定时测评", "kind": "evaluation",
        "opens_at": "2026-12-08T09:30", "closes_at": "2026-12-08T10:00"})
    assert r.status_code == 302
    rounds = client.get(f"/api/v1/campaigns/{cid}", headers=organiser_key).get_json()["rounds"]
    (timed,) = [x for x in rounds if x["title"] == "定时测评"]
    assert timed["opens_at"] == "2026-12-08T01:30:00+00:00" and timed["closes_at"] == "2026-12-08T02:00:00+00:00"
    page = client.get(f"/admin/campaigns/{cid}").get_data(as_text=True)
    assert "定时投票：2026-12-08 09:30 开始 · 2026-12-08 10:00 结束" in page
    client.post(f"/api/v1/campaigns/{cid}/sections", headers=organiser_key, json={
        "round_id": timed["id"], "type": "text", "title": "意见建议"})
    r = client.post(f"/api/v1/campaigns/{cid}/transitions", json={"to": "announced"}, headers=organiser_key)
    assert r.status_code == 200, r.get_json()
    clock(T0 - dt.timedelta(minutes=5, seconds=3))
    shown = client.get(f"/c/{cid}/turnout.json").get_json()
    assert [x["time_left"] for x in shown["rounds"] if x["id"] == timed["id"]] == ["距开始 5:03"]
    clock(T0)
    with app.app_context():
        schedule.run_due()
    clock(T0 + dt.timedelta(minutes=10))
    shown = client.get(f"/c/{cid}/turnout.json").get_json()
    assert [x["time_left"] for x in shown["rounds"] if x["id"] == timed["id"]] == ["距结束 20:00"]
    assert "距结束 20:00" in client.get(f"/c/{cid}/turnout").get_data(as_text=True)


def test_a_database_that_is_away_costs_the_schedule_one_line_not_a_traceback(app, monkeypatch, caplog):
    import logging

    import psycopg2

    from tests.polling import wait_until
    calls = []

    def away(at=None):
        calls.append(at)
        raise psycopg2.OperationalError("server closed the connection unexpectedly\n\tThis probably means …")
    monkeypatch.setattr(schedule, "run_due", away)
    caplog.set_level(logging.WARNING, logger=schedule.log.name)
    stop = schedule.start(app, seconds=0.01)
    try:
        wait_until(lambda: len(calls) >= 2, "two passes")  # the thread lives on after the first
    finally:
        stop.set()
    mine = [r for r in caplog.records if r.name == schedule.log.name]
    assert mine and all(r.levelno == logging.WARNING and r.exc_info is None for r in mine)
    assert "could not reach the database (server closed the connection unexpectedly)" in mine[0].getMessage()


def test_a_connection_that_dies_in_a_transaction_raises_the_servers_error(app):
    """The database going away under db.transaction (the server stopping under the schedule
    thread): the server's OperationalError, which the thread logs in one line, and not
    psycopg2's InterfaceError from rolling back a closed connection (a traceback in the log)."""
    import psycopg2

    from service.core import db
    with app.app_context():
        with pytest.raises(psycopg2.OperationalError):
            with db.transaction() as cur:
                cur.execute("SELECT pg_terminate_backend(pg_backend_pid())")
        with db.transaction() as cur:  # the broken connection was not put back in the pool
            cur.execute("SELECT 1 AS one")
            assert cur.fetchone()["one"] == 1


def test_a_round_whose_closing_time_passed_keeps_the_draft_from_being_announced(
        client, organiser_key, make_campaign, clock, fingerprint):
    cid = make_campaign()
    rnd = client.get(f"/api/v1/campaigns/{cid}", headers=organiser_key).get_json()["rounds"][0]
    r = client.put(f"/api/v1/campaigns/{cid}/rounds/{rnd['id']}", headers=organiser_key, json={
        "title": rnd["title"], "kind": rnd["kind"], "closes_at": "2026-12-08T10:00:00+08:00"})
    assert r.status_code == 200
    clock(T0 + dt.timedelta(hours=1))  # 10:30: the closing time has passed before the announcement
    before = fingerprint()
    r = client.post(f"/api/v1/campaigns/{cid}/transitions", json={"to": "announced"}, headers=organiser_key)
    assert r.status_code in (409, 422), r.get_json()
    assert "结束投票时间已过" in str(r.get_json()["error"]["details"])
    assert fingerprint() == before and _state(client, organiser_key, cid) == "draft"


def test_the_page_refuses_a_mistyped_year_in_chinese(client, make_campaign, make_user, login, clock, fingerprint):
    cid = make_campaign(ready=False)
    token = login(make_user("organiser"))
    before = fingerprint()
    r = client.post(f"/admin/campaigns/{cid}/rounds", data={
        "csrf_token": token, "_form": "add-round", "title": "定时轮", "kind": "evaluation",
        "opens_at": "0001-01-01T00:00", "closes_at": ""})
    assert r.status_code == 422, r.status_code
    assert "时间须在 2000 年到 2100 年之间" in r.get_data(as_text=True)
    assert fingerprint() == before
