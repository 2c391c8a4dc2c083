"""Objections (异议) on the campaign page: shown with subject, text, contact and China time,
answered 已核实 / 不成立 with a note (each an event), counted beside the 公示 state, and the
final list confirmed over unanswered ones only when the organiser says so."""
from __future__ import annotations

import datetime as dt
import re

import psycopg2
import pytest

from service.publication import operations as publication
from tests.conftest import _csrf


@pytest.fixture
def published(client, organiser_key, make_published, database):
    cid, pub = make_published()
    subjects = client.get(f"/api/v1/campaigns/{cid}", headers=organiser_key).json["subjects"]
    public = client.application.test_client()
    public.get(f"/c/{cid}/publicity")
    for body, contact, who in (("王丽华同志的获奖材料与实际不符。", "13800000000", 0), ("建议补充考核记录。", "", 1)):
        r = public.post(f"/c/{cid}/publicity", data={"body": body, "contact": contact, "csrf_token": _csrf(public),
                                                     "honouree_id": str(pub["honourees"][who]["id"])})
        assert r.status_code == 200
    with psycopg2.connect(database) as c, c.cursor() as cur:  # received at a known moment, in UTC
        cur.execute("UPDATE objections SET received_at = '2026-11-25 17:05:00+00' WHERE campaign_id = %s", (cid,))
    c.close()
    objections = client.get(f"/api/v1/campaigns/{cid}/objections", headers=organiser_key).json
    return type("Published", (), {"id": cid, "pub": pub, "objections": objections, "subjects": subjects})


def test_the_campaign_page_shows_each_objection_and_the_open_count(client, published, make_user, login):
    login(make_user("organiser"))
    html = client.get(f"/admin/campaigns/{published.id}").get_data(as_text=True)
    card = html.split('id="publicity"')[1]
    assert "王丽华同志的获奖材料与实际不符。" in card and "13800000000" in card and "（未留）" in card
    assert published.subjects[0]["name"] in card
    assert "2026-11-26 01:05" in card and "17:05" not in card  # China time, not UTC
    state = html.split('id="state"')[1].split("</section>")[0]
    assert re.search(r"公示中.*待处理 2 条", state, re.S)  # beside the 公示 state


def test_the_organiser_answers_objections_and_each_answer_is_an_event(client, published, make_user, login,
                                                                      monkeypatch, conn):
    token = login(make_user("organiser", username="zuzhibu"))
    first, second = published.objections
    url = f"/admin/campaigns/{published.id}/objections/{first['id']}"
    r = client.post(url, data={"csrf_token": token, "status": "verified", "reply": "经核实，材料有误，不予表彰。"})
    assert r.status_code == 302
    html = client.get(f"/admin/campaigns/{published.id}").get_data(as_text=True)
    assert "已核实" in html and "经核实，材料有误，不予表彰。" in html and "待处理 1 条" in html
    bad = client.post(url, data={"csrf_token": token, "status": "maybe", "reply": ""})
    assert "已核实" in client.get(f"/admin/campaigns/{published.id}").get_data(as_text=True)
    assert bad.status_code in (302, 422)
    r = client.post(f"/admin/campaigns/{published.id}/objections/{second['id']}",
                    data={"csrf_token": token, "status": "rejected", "reply": "考核记录齐全，意见不成立。"})
    assert r.status_code == 302
    with conn.cursor() as cur:
        cur.execute("SELECT actor, payload::jsonb AS details FROM audit_log "
                    "WHERE type = 'objection.handled' ORDER BY chain, height")
        events = cur.fetchall()
    assert [(e["actor"], e["details"]["status"]) for e in events] == [("user:zuzhibu", "verified"),
                                                                     ("user:zuzhibu", "rejected")]
    listed = {o["id"]: o for o in client.get(f"/api/v1/campaigns/{published.id}/objections",
                                             headers={"X-CSRF-Token": token}).json}
    assert listed[first["id"]]["status"] == "verified" and listed[first["id"]]["handled_by"] == "user:zuzhibu"


def test_confirming_over_open_objections_asks_for_an_explicit_yes(client, published, make_user, login,
                                                                  monkeypatch, fingerprint):
    token = login(make_user("organiser"))
    monkeypatch.setattr(publication, "today", lambda: dt.date(2026, 12, 2))  # the window is over
    html = client.get(f"/admin/campaigns/{published.id}").get_data(as_text=True)
    form = html.split('id="confirm-list"')[1].split("</form>")[0]
    assert 'name="despite_open_objections" required' in form and "2 条异议尚未处理" in form
    keep = [str(h["id"]) for h in published.pub["honourees"]]
    before = fingerprint()
    r = client.post(f"/admin/campaigns/{published.id}/publication/confirm",
                    data={"csrf_token": token, "honouree_ids": keep})
    assert fingerprint() == before  # without the yes, nothing is confirmed
    shown = client.get(r.headers["Location"]).get_data(as_text=True)
    assert '<p class="flash error">还有 2 条异议尚未处理' in shown
    r = client.post(f"/admin/campaigns/{published.id}/publication/confirm",
                    data={"csrf_token": token, "honouree_ids": keep[:1], "despite_open_objections": "on"})
    assert r.status_code == 302
    pub = client.get(f"/api/v1/campaigns/{published.id}/publication", headers={"X-CSRF-Token": token}).json
    assert pub["status"] == "confirmed" and [h["final"] for h in pub["honourees"]] == [True, False]
