"""The public announcement (公开 #1): criteria and quotas, shown only once announced."""
from __future__ import annotations

import datetime as dt

from service.publication import operations as publication


def test_a_draft_is_not_public(client, make_campaign):
    cid = make_campaign()
    assert client.get(f"/c/{cid}").status_code == 404
    assert "2026 年度优秀党员评选" not in client.get("/").get_data(as_text=True)


def test_the_announcement_shows_criteria_quotas_and_rules(client, organiser_key, make_campaign):
    cid = make_campaign()
    client.patch(f"/api/v1/campaigns/{cid}", headers=organiser_key, json={"rules": {
        "pass_line": 0.85, "majority": {"threshold": "two_thirds", "base": "cast"}}})
    r = client.post(f"/api/v1/campaigns/{cid}/transitions", json={"to": "announced"}, headers=organiser_key)
    assert r.status_code == 200
    page = client.get(f"/c/{cid}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for text in ["比教学看师德、比科研看成果", "比理想看责任、比学习看成绩",  # criteria per group
                 "名额 <b class=\"num\">2</b> 名", "限选 2 人",  # quota
                 "60%", "40%",  # normalised weights
                 "达到 85%", "三分之二以上", "收回票",  # rules
                 "王丽华", "承诺0"]:  # subjects and their public commitments
        assert text in html, text
    assert f"/c/{cid}" in client.get("/").get_data(as_text=True)


def test_the_announcement_needs_no_sign_in_and_is_not_cached(client, organiser_key, make_campaign):
    cid = make_campaign()
    client.post(f"/api/v1/campaigns/{cid}/transitions", json={"to": "announced"}, headers=organiser_key)
    r = client.get(f"/c/{cid}")
    assert r.status_code == 200 and r.headers["Cache-Control"] == "no-store"


def test_the_public_finds_the_publicity_and_the_boards(client, make_campaign, organiser_key, monkeypatch):
    cid = make_campaign()
    for state in ("announced", "open", "closed"):
        client.post(f"/api/v1/campaigns/{cid}/transitions", json={"to": state}, headers=organiser_key)
    c = client.get(f"/api/v1/campaigns/{cid}", headers=organiser_key).json
    page = client.get(f"/c/{cid}").get_data(as_text=True)
    assert f'href="/board/{c["rounds"][0]["id"]}"' in page and f"/c/{cid}/publicity" not in page
    monkeypatch.setattr(publication, "today", lambda: dt.date(2026, 11, 25))
    client.post(f"/api/v1/campaigns/{cid}/publication", headers=organiser_key,
                json={"honourees": [{"subject_id": c["subjects"][0]["id"]}]})
    assert f'href="/c/{cid}/publicity"' in client.get(f"/c/{cid}").get_data(as_text=True)
    monkeypatch.setattr(publication, "today", lambda: dt.date(2026, 12, 2))
    client.post(f"/api/v1/campaigns/{cid}/publication:confirm", headers=organiser_key, json={"honouree_ids": []})
    client.post(f"/api/v1/campaigns/{cid}/transitions", json={"to": "archived"}, headers=organiser_key)
    home = client.get("/").get_data(as_text=True)
    archived = home.split("<h2>已归档</h2>", 1)[1]
    assert f"/c/{cid}/publicity" in archived and "表彰名单" in archived
