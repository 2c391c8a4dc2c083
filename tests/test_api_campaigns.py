"""Campaign definition over the JSON API: the parts, the state machine, editability."""
from __future__ import annotations

import pytest

from tests.helpers import GOOD, upload, xlsx


def test_create_and_read_a_full_definition(client, organiser_key, make_campaign):
    cid = make_campaign()
    r = client.get(f"/api/v1/campaigns/{cid}", headers=organiser_key)
    assert r.status_code == 200
    c = r.json
    assert c["state"] == "draft"
    assert [g["name"] for g in c["groups"]] == ["教师", "学生"]
    assert c["groups"][0]["weight"] == 0.6
    assert len(c["subjects"]) == 4
    assert c["rounds"][0]["sections"][0]["config"] == {"max_choices": 2, "quota": 2, "write_ins": False,
                                                      "category": ""}
    assert c["rules"]["majority"] == {"threshold": "more_than_half", "base": "valid"}
    assert c["readiness"] == []


def test_every_section_type_and_rule_is_stored(client, organiser_key, make_campaign):
    cid = make_campaign()
    rnd = client.post(f"/api/v1/campaigns/{cid}/rounds", json={"title": "测评", "kind": "evaluation"},
                      headers=organiser_key).json
    sections = [
        {"type": "rating", "title": "满意度", "config": {"scale": "member", "criteria": ["带头学习提高"],
                                                       "caps": [{"option": "优秀", "max_share": 0.3333}]}},
        {"type": "rating", "title": "自定义", "config": {"options": [
            {"label": "好", "points": 90}, {"label": "差", "points": 10, "favourable": False}]}},
        {"type": "choose", "title": "推荐", "config": {"max_choices": 3, "quota": 2, "write_ins": True}},
        {"type": "approve", "title": "确认", "config": {}},
        {"type": "score", "title": "打分", "config": {"caps": [{"at_least": 90, "max_count": 3}],
                                                    "floors": [{"below": 70, "min_count": 2}],
                                                    "identical_invalid": True, "trim_above": 5}},
        {"type": "text", "title": "意见建议", "config": {"max_length": 300}},
    ]
    for s in sections:
        r = client.post(f"/api/v1/campaigns/{cid}/sections", json={"round_id": rnd["id"], **s},
                        headers=organiser_key)
        assert r.status_code == 201, r.json
        for key, value in s["config"].items():
            got = r.json["config"][key]
            if key == "options":
                assert [o["label"] for o in got] == [o["label"] for o in value]
            else:
                assert got == value
    rules = {"weight_base": "all", "quorum": {"share": 0.6667, "base": "eligible"},
             "majority": {"threshold": "two_thirds", "base": "cast"}, "pass_line": 0.85,
             "laggard_share": 0.25, "small_group_k": 3, "publicity_days": 7,
             "sources": {"ballots": 0.6, "organisation": 0.2, "leaders": 0.2}, "sources_trim_above": None,
             "time_zone": "Europe/Berlin"}
    r = client.patch(f"/api/v1/campaigns/{cid}", json={"rules": rules}, headers=organiser_key)
    assert r.status_code == 200 and r.json["rules"] == rules


def test_lifecycle_runs_forward_and_refuses_skips(client, organiser_key, make_campaign, monkeypatch):
    import datetime as dt

    from service.publication import operations as publication
    cid = make_campaign()
    url = f"/api/v1/campaigns/{cid}/transitions"
    r = client.post(url, json={"to": "open"}, headers=organiser_key)
    assert r.status_code == 409
    assert r.json["error"]["code"] == "invalid_transition"
    assert "draft" in r.json["error"]["message"] and r.json["error"]["details"]["state"] == "draft"
    for state in ["announced", "open", "closed", "published", "archived"]:
        if state == "published":  # publishing goes through the publication, which opens the 公示 window
            r = client.post(url, json={"to": state}, headers=organiser_key)
            assert r.status_code == 409 and r.json["error"]["code"] == "use_publication"
            r = client.post(f"/api/v1/campaigns/{cid}/publication", json={"honourees": [{"name": "王丽华"}]},
                            headers=organiser_key)
            assert r.status_code == 201, r.json
            early = client.post(url, json={"to": "archived"}, headers=organiser_key)
            assert early.status_code == 409 and early.json["error"]["code"] == "publicity_not_ended"
            after = dt.date.fromisoformat(r.json["ends_on"]) + dt.timedelta(days=1)
            monkeypatch.setattr(publication, "today", lambda: after)
            assert client.post(f"/api/v1/campaigns/{cid}/publication:confirm", json={"honouree_ids": []},
                               headers=organiser_key).status_code == 200
            continue
        r = client.post(url, json={"to": state}, headers=organiser_key)
        assert r.status_code == 200, r.json
        assert r.json["state"] == state
    r = client.post(url, json={"to": "archived"}, headers=organiser_key)
    assert r.status_code == 409 and "archived" in r.json["error"]["message"]
    events = client.get(f"/api/v1/campaigns/{cid}/events", headers=organiser_key).json
    assert [e["details"].get("to") for e in events if e["action"] == "campaign.transition"] == \
        ["archived", "published", "closed", "open", "announced"]


def test_an_incomplete_draft_cannot_be_announced(client, organiser_key, make_campaign):
    cid = make_campaign(ready=False)
    r = client.post(f"/api/v1/campaigns/{cid}/transitions", json={"to": "announced"}, headers=organiser_key)
    assert r.status_code == 409 and r.json["error"]["code"] == "not_ready"
    assert "至少需要一个参评群体" in r.json["error"]["details"]["problems"]
    assert client.get(f"/api/v1/campaigns/{cid}", headers=organiser_key).json["state"] == "draft"


def test_only_a_draft_is_editable(client, organiser_key, make_campaign, fingerprint):
    cid = make_campaign()
    client.post(f"/api/v1/campaigns/{cid}/transitions", json={"to": "announced"}, headers=organiser_key)
    detail = client.get(f"/api/v1/campaigns/{cid}", headers=organiser_key).json
    before = fingerprint()
    attempts = [
        ("patch", f"/api/v1/campaigns/{cid}", {"title": "改"}),
        ("post", f"/api/v1/campaigns/{cid}/groups", {"name": "机关", "weight": 0.2}),
        ("put", f"/api/v1/campaigns/{cid}/groups/{detail['groups'][0]['id']}", {"name": "x", "weight": 1}),
        ("delete", f"/api/v1/campaigns/{cid}/subjects/{detail['subjects'][0]['id']}", None),
        ("post", f"/api/v1/campaigns/{cid}/rounds", {"title": "r", "kind": "evaluation"}),
        ("put", f"/api/v1/campaigns/{cid}/sections/{detail['rounds'][0]['sections'][0]['id']}",
         {"round_id": detail["rounds"][0]["id"], "type": "text", "title": "t"}),
        ("delete", f"/api/v1/campaigns/{cid}/sections/{detail['rounds'][0]['sections'][0]['id']}", None),
        ("delete", f"/api/v1/campaigns/{cid}", None),
    ]
    for method, url, body in attempts:
        r = getattr(client, method)(url, json=body, headers=organiser_key)
        assert r.status_code == 409, (url, r.json)
        assert r.json["error"]["code"] == "campaign_not_editable"
        assert "announced" in r.json["error"]["message"]
    r = upload(client, cid, organiser_key, xlsx(GOOD), "x.xlsx")
    assert r.status_code == 409 and r.json["error"]["code"] == "campaign_not_editable"
    assert fingerprint() == before


def test_admin_forms_cannot_edit_an_announced_campaign(client, organiser_key, make_campaign, make_user, login,
                                                       fingerprint):
    cid = make_campaign()
    client.post(f"/api/v1/campaigns/{cid}/transitions", json={"to": "announced"}, headers=organiser_key)
    token = login(make_user("organiser"))
    before = fingerprint()
    for url, form in ((f"/admin/campaigns/{cid}/edit", {"title": "改"}),
                      (f"/admin/campaigns/{cid}/groups", {"name": "机关", "weight": "0.2"}),
                      (f"/admin/campaigns/{cid}/subjects/1/delete", {}),
                      (f"/admin/campaigns/{cid}/delete", {})):
        r = client.post(url, data={**form, "csrf_token": token})
        assert r.status_code == 302
        assert "活动已公告，不能再修改" in client.get(r.headers["Location"]).get_data(as_text=True), url
    assert fingerprint() == before


def test_parts_replace_delete_and_references(client, organiser_key, make_campaign):
    cid = make_campaign()
    c = client.get(f"/api/v1/campaigns/{cid}", headers=organiser_key).json
    g0 = c["groups"][0]
    r = client.put(f"/api/v1/campaigns/{cid}/groups/{g0['id']}",
                   json={"name": "教职工", "weight": 0.5, "criteria": "比教学看师德"}, headers=organiser_key)
    assert r.status_code == 200 and r.json["name"] == "教职工" and r.json["weight"] == 0.5
    dup = client.post(f"/api/v1/campaigns/{cid}/groups", json={"name": "学生", "weight": 1}, headers=organiser_key)
    assert dup.status_code == 409 and dup.json["error"]["code"] == "duplicate"
    s0 = c["subjects"][0]
    rnd = c["rounds"][0]
    sec = client.post(f"/api/v1/campaigns/{cid}/sections", headers=organiser_key, json={
        "round_id": rnd["id"], "type": "approve", "title": "确认", "subject_ids": [s0["id"]]})
    assert sec.status_code == 201
    used = client.delete(f"/api/v1/campaigns/{cid}/subjects/{s0['id']}", headers=organiser_key)
    assert used.status_code == 409 and used.json["error"]["code"] == "in_use"
    foreign = client.post(f"/api/v1/campaigns/{cid}/sections", headers=organiser_key, json={
        "round_id": rnd["id"], "type": "approve", "title": "x", "subject_ids": [999999]})
    assert foreign.status_code == 422 and "subject_ids" in foreign.json["error"]["details"]["fields"]
    assert client.delete(f"/api/v1/campaigns/{cid}/sections/{sec.json['id']}", headers=organiser_key).status_code == 204
    assert client.delete(f"/api/v1/campaigns/{cid}/subjects/{s0['id']}", headers=organiser_key).status_code == 204
    gone = client.delete(f"/api/v1/campaigns/{cid}/subjects/{s0['id']}", headers=organiser_key)
    assert gone.status_code == 404


def test_parts_of_another_campaign_are_not_found(client, organiser_key, make_campaign):
    a, b = make_campaign(), make_campaign()
    group_of_a = client.get(f"/api/v1/campaigns/{a}", headers=organiser_key).json["groups"][0]["id"]
    r = client.put(f"/api/v1/campaigns/{b}/groups/{group_of_a}", json={"name": "x", "weight": 1},
                   headers=organiser_key)
    assert r.status_code == 404
    assert client.get("/api/v1/campaigns/424242", headers=organiser_key).status_code == 404


def test_a_stale_transition_form_is_answered_in_chinese(client, organiser_key, make_campaign, make_user, login):
    """Two organisers, one page open too long: the second "announce" meets an announced campaign."""
    cid = make_campaign()
    token = login(make_user("organiser"))
    assert client.post(f"/admin/campaigns/{cid}/transition", data={"csrf_token": token, "to": "announced"}
                       ).status_code == 302
    r = client.post(f"/admin/campaigns/{cid}/transition", data={"csrf_token": token, "to": "announced"},
                    follow_redirects=True)
    page = r.get_data(as_text=True)
    assert "当前状态下不能进行这一步" in page and "cannot move" not in page
    r = client.post(f"/admin/campaigns/{cid}/transition", data={"csrf_token": token, "to": "published"},
                    follow_redirects=True)
    assert "当前状态下不能进行这一步" in r.get_data(as_text=True) or "发布公示" in r.get_data(as_text=True)


def test_the_section_form_sets_score_limits_and_named_subjects(client, organiser_key, make_campaign, make_user,
                                                               login):
    """量化打分 with "90 分以上不超过 3 人", "70 分以下至少 2 人" and a 0–100 range, for named people
    only, from the admin page's form (what the API takes as config, subject_ids)."""
    cid = make_campaign()
    c = client.get(f"/api/v1/campaigns/{cid}", headers=organiser_key).json
    people = [s["id"] for s in c["subjects"]][:2]
    token = login(make_user("organiser"))
    r = client.post(f"/admin/campaigns/{cid}/sections", data={
        "csrf_token": token, "round_id": c["rounds"][0]["id"], "type": "score", "title": "量化打分",
        "score_min": "0", "score_max": "100", "cap_at_least": "90", "cap_max_count": "3",
        "floor_below": "70", "floor_min_count": "2", "trim_above": "5", "subject_ids": [str(p) for p in people]})
    assert r.status_code == 302
    (sec,) = [s for s in client.get(f"/api/v1/campaigns/{cid}", headers=organiser_key).json["rounds"][0]["sections"]
              if s["type"] == "score"]
    assert sec["subject_ids"] == people
    assert sec["config"]["caps"] == [{"at_least": 90, "max_count": 3}]
    assert sec["config"]["floors"] == [{"below": 70, "min_count": 2}]
    assert (sec["config"]["min"], sec["config"]["max"], sec["config"]["trim_above"]) == (0, 100, 5)


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
