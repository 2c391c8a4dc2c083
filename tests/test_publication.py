"""公开 #2: publish the proposed honourees for a 公示 window, take objections, confirm the list."""
from __future__ import annotations

import datetime as dt
import re

import pytest

from service.publication import operations as publication


@pytest.fixture
def closed(client, organiser_key, make_campaign):
    cid = make_campaign()
    for state in ("announced", "open", "closed"):
        client.post(f"/api/v1/campaigns/{cid}/transitions", json={"to": state}, headers=organiser_key)
    c = client.get(f"/api/v1/campaigns/{cid}", headers=organiser_key).json
    return cid, c["subjects"]


def at(monkeypatch, day):
    monkeypatch.setattr(publication, "today", lambda: day)


def test_publish_open_object_and_confirm(client, organiser_key, closed, monkeypatch, conn):
    cid, subjects = closed
    at(monkeypatch, dt.date(2026, 9, 29))
    r = client.post(f"/api/v1/campaigns/{cid}/publication", headers=organiser_key, json={
        "starts_on": "2026-09-30", "note": "如有异议请在公示期内反映。",
        "honourees": [{"subject_id": subjects[0]["id"], "award": "优秀共产党员"},
                      {"subject_id": subjects[1]["id"], "award": "优秀共产党员"},
                      {"name": "赵静", "award": "优秀党务工作者"}]})
    assert r.status_code == 201, r.json
    assert (r.json["starts_on"], r.json["ends_on"], r.json["working_days"]) == ("2026-09-30", "2026-10-12", 5)
    assert client.get(f"/api/v1/campaigns/{cid}", headers=organiser_key).json["state"] == "published"
    names = [h["name"] for h in r.json["honourees"]]
    assert names == [subjects[0]["name"], subjects[1]["name"], "赵静"]

    page = client.get(f"/c/{cid}/publicity").get_data(as_text=True)
    assert "2026-09-30" in page and "2026-10-12" in page and "赵静" in page and "公示尚未开始" in page

    at(monkeypatch, dt.date(2026, 10, 9))
    from tests.conftest import _csrf
    client.get(f"/c/{cid}/publicity")
    honouree = r.json["honourees"][1]["id"]
    ok = client.post(f"/c/{cid}/publicity", data={"body": "该同志考勤记录有误，请核实。", "contact": "",
                                                   "honouree_id": str(honouree), "csrf_token": _csrf(client)})
    assert ok.status_code == 200 and "已提交" in ok.get_data(as_text=True)
    empty = client.post(f"/c/{cid}/publicity", data={"body": " ", "csrf_token": _csrf(client)})
    assert empty.status_code == 422
    objections = client.get(f"/api/v1/campaigns/{cid}/objections", headers=organiser_key).json
    assert [(o["honouree_id"], o["body"]) for o in objections] == [(honouree, "该同志考勤记录有误，请核实。")]
    early = client.post(f"/api/v1/campaigns/{cid}/publication:confirm", headers=organiser_key,
                        json={"honouree_ids": [r.json["honourees"][0]["id"]]})
    assert early.status_code == 409 and early.json["error"]["code"] == "window_open"

    at(monkeypatch, dt.date(2026, 10, 13))
    late = client.post(f"/c/{cid}/publicity", data={"body": "迟到的意见", "csrf_token": _csrf(client)})
    assert late.status_code == 422 and "公示期已结束" in late.get_data(as_text=True)
    keep = [r.json["honourees"][0]["id"], r.json["honourees"][2]["id"]]
    answered = client.post(f"/api/v1/campaigns/{cid}/objections/{objections[0]['id']}:answer",
                           headers=organiser_key, json={"status": "verified", "reply": "经核实，考勤记录有误，不予表彰。"})
    assert answered.status_code == 200 and answered.json["status"] == "verified"
    done = client.post(f"/api/v1/campaigns/{cid}/publication:confirm", headers=organiser_key,
                       json={"honouree_ids": keep})
    assert done.status_code == 200 and done.json["confirmed_at"]
    assert [h["final"] for h in done.json["honourees"]] == [True, False, True]
    final = client.get(f"/c/{cid}/publicity").get_data(as_text=True)
    assert "表彰名单" in final and subjects[1]["name"] not in final.split("表彰名单")[1]
    again = client.post(f"/api/v1/campaigns/{cid}/publication:confirm", headers=organiser_key,
                        json={"honouree_ids": keep})
    assert again.status_code == 409
    events = [e["action"] for e in client.get(f"/api/v1/campaigns/{cid}/events", headers=organiser_key).json]
    for action in ("publication.published", "objection.received", "publication.confirmed"):
        assert action in events


def test_publication_needs_a_closed_campaign_and_known_subjects(client, organiser_key, make_campaign, closed,
                                                               fingerprint):
    draft = make_campaign()
    before = fingerprint()
    r = client.post(f"/api/v1/campaigns/{draft}/publication", headers=organiser_key, json={"honourees": [{"name": "王丽华"}]})
    assert r.status_code == 409 and "draft" in r.json["error"]["message"]
    cid, _ = closed
    r = client.post(f"/api/v1/campaigns/{cid}/publication", headers=organiser_key,
                    json={"honourees": [{"subject_id": 999999}]})
    assert r.status_code == 422
    r = client.post(f"/api/v1/campaigns/{cid}/publication", headers=organiser_key, json={"honourees": [{}]})
    assert r.status_code == 422 and "name" in str(r.json["error"]["details"])
    r = client.post(f"/api/v1/campaigns/{cid}/publication", headers=organiser_key,
                    json={"honourees": [{"name": "王丽华"}], "starts_on": "2099-01-05"})
    assert r.status_code == 422 and "/admin/calendar" in r.json["error"]["message"]
    assert fingerprint() == before
    assert client.get(f"/c/{cid}/publicity").status_code == 404


def test_publishing_from_the_admin_page(client, closed, make_user, login, monkeypatch):
    cid, subjects = closed
    at(monkeypatch, dt.date(2026, 11, 25))
    token = login(make_user("organiser"))
    page = client.get(f"/admin/campaigns/{cid}").get_data(as_text=True)
    assert 'id="publish"' in page
    r = client.post(f"/admin/campaigns/{cid}/publish", data={
        "csrf_token": token, "subject_ids": [str(subjects[0]["id"])], "award": "优秀共产党员", "starts_on": "2026-11-26"})
    assert r.status_code == 302
    assert "2026-11-26 至 2026-12-02" in client.get(r.headers["Location"]).get_data(as_text=True)
    assert subjects[0]["name"] in client.get(f"/c/{cid}/publicity").get_data(as_text=True)


def test_each_honouree_may_have_a_title_of_their_own_on_the_page(client, closed, make_user, login, monkeypatch,
                                                                organiser_key):
    cid, subjects = closed
    at(monkeypatch, dt.date(2026, 11, 25))
    token = login(make_user("organiser"))
    a, b = subjects[0]["id"], subjects[1]["id"]
    page = client.get(f"/admin/campaigns/{cid}").get_data(as_text=True)
    assert f'name="award_{a}"' in page
    r = client.post(f"/admin/campaigns/{cid}/publish", data={
        "csrf_token": token, "subject_ids": [str(a), str(b)], "award": "优秀共产党员",
        f"award_{b}": " 优秀党务工作者 ", "starts_on": "2026-11-26"})
    assert r.status_code == 302
    pub = client.get(f"/api/v1/campaigns/{cid}/publication", headers=organiser_key).get_json()
    assert {h["subject_id"]: h["award"] for h in pub["honourees"]} == {a: "优秀共产党员", b: "优秀党务工作者"}


def test_the_publicity_form_proposes_who_the_count_recommended(client, full_campaign, organiser_key, make_user,
                                                                login):
    for token in full_campaign.tokens(5):  # k = 5: fewer ballots in all and no figure is published
        assert client.post("/api/v1/ballots:cast", json={"token": token, "answers": full_campaign.valid}
                           ).status_code == 201
    client.post(f"/api/v1/campaigns/{full_campaign.id}/transitions", json={"to": "closed"}, headers=organiser_key)
    login(make_user("organiser"))
    form = client.get(f"/admin/campaigns/{full_campaign.id}").get_data(as_text=True).split('id="publish"', 1)[1]
    form = form.split("</fieldset>", 1)[0]
    chosen = full_campaign.people[0]  # every ballot chose 王丽华: recommended
    assert re.search(rf'value="{chosen}" checked> 王丽华.*推荐</span>', form)
    assert not re.search(rf'value="{full_campaign.people[1]}" checked', form)


def test_a_publicity_of_nobody_is_refused_and_changes_nothing(client, organiser_key, closed, fingerprint):
    cid, _ = closed
    before = fingerprint()
    r = client.post(f"/api/v1/campaigns/{cid}/publication", headers=organiser_key, json={"honourees": []})
    assert r.status_code == 422 and "honourees" in r.json["error"]["details"]["fields"]
    assert fingerprint() == before
