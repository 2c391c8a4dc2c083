"""Editing a draft in place: parts edited and moved, refused once announced, and the ballot's 预览."""
from __future__ import annotations

import re

import pytest


def _definition(client, key, cid):
    return client.get(f"/api/v1/campaigns/{cid}", headers=key).json


def _move(client, key, cid, part, pid, direction):
    return client.post(f"/api/v1/campaigns/{cid}/{part}/{pid}/move", json={"direction": direction}, headers=key)


def test_parts_move_up_and_down_and_are_numbered_anew(client, organiser_key, make_campaign):
    cid = make_campaign()
    subjects = [s["id"] for s in _definition(client, organiser_key, cid)["subjects"]]
    r = _move(client, organiser_key, cid, "subjects", subjects[2], "up")
    assert r.status_code == 200 and r.json["position"] == 1
    c = _definition(client, organiser_key, cid)
    assert [s["id"] for s in c["subjects"]] == [subjects[0], subjects[2], subjects[1], subjects[3]]
    assert [s["position"] for s in c["subjects"]] == [0, 1, 2, 3]
    assert _move(client, organiser_key, cid, "subjects", subjects[0], "down").status_code == 200
    assert [s["id"] for s in _definition(client, organiser_key, cid)["subjects"]] == \
        [subjects[2], subjects[0], subjects[1], subjects[3]]
    events = client.get(f"/api/v1/campaigns/{cid}/events", headers=organiser_key).json
    assert events[0]["action"] == "subject.moved" and events[0]["details"] == {"id": subjects[0], "direction": "down"}


def test_a_section_moves_within_its_round(client, organiser_key, make_campaign):
    cid = make_campaign()
    c = _definition(client, organiser_key, cid)
    rid = c["rounds"][0]["id"]
    other = client.post(f"/api/v1/campaigns/{cid}/rounds", json={"title": "师生测评", "kind": "evaluation"},
                        headers=organiser_key).json["id"]
    for title, rnd in (("意见建议", rid), ("另一轮的题", other)):
        assert client.post(f"/api/v1/campaigns/{cid}/sections", json={"round_id": rnd, "type": "text", "title": title},
                           headers=organiser_key).status_code == 201
    first, second = (s["id"] for s in _definition(client, organiser_key, cid)["rounds"][0]["sections"])
    assert _move(client, organiser_key, cid, "sections", second, "up").status_code == 200
    c = _definition(client, organiser_key, cid)
    assert [s["id"] for s in c["rounds"][0]["sections"]] == [second, first]
    assert [s["title"] for s in c["rounds"][1]["sections"]] == ["另一轮的题"]
    assert _move(client, organiser_key, cid, "sections", first, "down").json["error"]["code"] == "cannot_move"


def test_a_move_that_cannot_be_made_changes_nothing(client, organiser_key, make_campaign, fingerprint):
    cid = make_campaign()
    groups = [g["id"] for g in _definition(client, organiser_key, cid)["groups"]]
    before = fingerprint()
    for pid, direction, status in ((groups[0], "up", 409), (groups[1], "down", 409), (groups[0], "left", 422),
                                   (999999, "up", 404)):
        r = _move(client, organiser_key, cid, "groups", pid, direction)
        assert r.status_code == status, r.json
    assert fingerprint() == before


def test_an_announced_campaign_refuses_edits_and_moves(client, organiser_key, make_campaign, make_user, login,
                                                        fingerprint):
    cid = make_campaign()
    c = _definition(client, organiser_key, cid)
    assert client.post(f"/api/v1/campaigns/{cid}/transitions", json={"to": "announced"},
                       headers=organiser_key).status_code == 200
    gid, sid = c["groups"][1]["id"], c["subjects"][0]["id"]
    token = login(make_user("organiser"))
    before = fingerprint()
    r = _move(client, organiser_key, cid, "groups", gid, "up")
    assert r.status_code == 409 and r.json["error"]["code"] == "campaign_not_editable"
    r = client.post(f"/admin/campaigns/{cid}/groups/{gid}/move", data={"csrf_token": token, "direction": "up"})
    assert r.status_code == 302
    r = client.post(f"/admin/campaigns/{cid}/subjects/{sid}/edit", follow_redirects=True, data={
        "csrf_token": token, "_form": "edit-subject", "name": "改名", "kind": "person", "category": "教职工优秀党员"})
    assert "活动已公告，不能再修改（只有草稿可以修改）" in r.get_data(as_text=True)
    page = client.get(f"/admin/campaigns/{cid}/subjects/{sid}/edit").get_data(as_text=True)
    assert "只有草稿可以修改" in page and 'id="edit-subject"' not in page
    assert fingerprint() == before


def test_the_edit_page_changes_a_part_in_place(client, organiser_key, make_campaign, make_user, login):
    cid = make_campaign()
    token = login(make_user("organiser"))
    c = _definition(client, organiser_key, cid)
    sid = c["subjects"][3]["id"]
    assert _move(client, organiser_key, cid, "subjects", sid, "up").status_code == 200
    page = client.get(f"/admin/campaigns/{cid}/subjects/{sid}/edit").get_data(as_text=True)
    assert 'value="刘洋"' in page and "修改被测评对象「刘洋」" in page
    r = client.post(f"/admin/campaigns/{cid}/subjects/{sid}/edit", data={
        "csrf_token": token, "_form": "edit-subject", "name": "刘洋洋", "kind": "person", "category": "教职工优秀党员",
        "unit": "护理系", "commitment": "新的承诺"})
    assert r.status_code == 302 and r.headers["Location"].endswith(f"#subject-{sid}")
    after = _definition(client, organiser_key, cid)["subjects"]
    assert [s["id"] for s in after] == [s["id"] for s in c["subjects"][:2]] + [sid, c["subjects"][2]["id"]]
    edited = next(s for s in after if s["id"] == sid)
    assert (edited["name"], edited["unit"], edited["commitment"], edited["position"]) == ("刘洋洋", "护理系", "新的承诺", 2)


def test_a_bad_edit_says_why_and_changes_nothing(client, organiser_key, make_campaign, make_user, login, fingerprint):
    cid = make_campaign()
    token = login(make_user("organiser"))
    c = _definition(client, organiser_key, cid)
    gid = c["groups"][0]["id"]
    before = fingerprint()
    r = client.post(f"/admin/campaigns/{cid}/groups/{gid}/edit", data={
        "csrf_token": token, "_form": "edit-group", "name": "教师", "weight": "很多", "criteria": "x"})
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert "未能保存" in html and 'value="很多"' in html  # beside the form, what was typed kept
    r = client.post(f"/admin/campaigns/{cid}/groups/{gid}/edit", data={
        "csrf_token": token, "_form": "edit-group", "name": "学生", "weight": "1"})  # the other group's name
    assert r.status_code == 422 and "已存在同名的" in r.get_data(as_text=True)
    r = client.post(f"/admin/campaigns/{cid}/groups/{gid}/edit", data={"_form": "edit-group", "name": "x", "weight": "1"})
    assert r.status_code in (400, 403)  # no CSRF token
    assert fingerprint() == before


def test_a_section_edit_keeps_and_changes_its_config(client, organiser_key, make_user, login):
    cid = client.post("/api/v1/campaigns/from-template", json={"template": "leadership-review"},
                      headers=organiser_key).json["id"]
    token = login(make_user("organiser"))
    sec = _definition(client, organiser_key, cid)["rounds"][0]["sections"][0]
    page = client.get(f"/admin/campaigns/{cid}/sections/{sec['id']}/edit").get_data(as_text=True)
    options = re.search(r'<textarea name="options"[^>]*>([^<]*)</textarea>', page).group(1)
    assert options.splitlines() == ["优秀 100 +", "称职 80 +", "基本称职 60 -", "不称职 0 -"]
    criteria = re.search(r'<textarea name="criteria"[^>]*>([^<]*)</textarea>', page).group(1)
    r = client.post(f"/admin/campaigns/{cid}/sections/{sec['id']}/edit", data={
        "csrf_token": token, "_form": "edit-section", "type": "rating", "round_id": str(sec["round_id"]),
        "title": "领导班子总体评价（修改）", "category": "领导班子", "scale": "satisfaction",
        "options": options + "\n不了解", "criteria": criteria + "\n作风建设"})
    assert r.status_code == 302, r.get_data(as_text=True)
    got = _definition(client, organiser_key, cid)["rounds"][0]["sections"][0]
    assert got["id"] == sec["id"] and got["title"] == "领导班子总体评价（修改）" and got["position"] == sec["position"]
    assert [o["label"] for o in got["config"]["options"]] == ["优秀", "称职", "基本称职", "不称职", "不了解"]
    assert got["config"]["options"][4]["points"] is None and got["config"]["options"][0]["favourable"] is True
    assert got["config"]["criteria"][-1] == "作风建设"


# --- 预览选票 ---------------------------------------------------------------------------------

def _titles(html):
    return re.findall(r'<h2 id="s\d+-title"><span class="qno">\d+</span>([^<]*)</h2>', html)


def test_the_preview_shows_the_ballot_and_cannot_be_sent(client, organiser_key, make_user, login, fingerprint):
    cid = client.post("/api/v1/campaigns/from-template", json={"template": "party-members"},
                      headers=organiser_key).json["id"]
    c = _definition(client, organiser_key, cid)
    login(make_user("viewer"))
    before = fingerprint()
    r = client.get(f"/admin/campaigns/{cid}/rounds/{c['rounds'][0]['id']}/preview/{c['groups'][1]['id']}")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert "预览 · 不能投票" in html and "学生" in html and "比理想看责任、比学习看成绩" in html
    assert _titles(html) == ["党员民主评议（对照“五带头”）", "意见建议"]
    assert 'method="post"' not in html and 'name="ballot"' not in html and "tracker.js" not in html
    assert re.search(r'<button type="submit"[^>]*disabled>预览 · 不能投票</button>', html)
    assert html.count('type="radio"') == 3 * 5 * 4  # three members × 五带头 × four grades
    assert client.post(f"/admin/campaigns/{cid}/rounds/{c['rounds'][0]['id']}/preview/{c['groups'][1]['id']}",
                       data={"ballot": "1"}).status_code in (400, 405)
    assert client.get(f"/admin/campaigns/{cid}/rounds/{c['rounds'][0]['id']}/preview/999999").status_code == 404
    assert fingerprint() == before


def test_the_preview_equals_the_ballot_page_and_spends_no_token(client, full_campaign, organiser_key, make_user,
                                                                 login, fingerprint):
    gid = full_campaign.groups[1]
    token = full_campaign.tokens(1, group=1)[0]
    real = client.get(f"/b/{token}").get_data(as_text=True)
    login(make_user("viewer"))
    before = fingerprint()
    preview = client.get(f"/admin/campaigns/{full_campaign.id}/rounds/{full_campaign.round}/preview/{gid}")
    assert preview.status_code == 200 and fingerprint() == before

    def body(html):  # the sections as the voter sees them, from the first question to the submit bar
        return html.split('<section class="card q', 1)[1].split('<div class="submit-bar">', 1)[0]
    assert body(preview.get_data(as_text=True)) == body(real)
    assert client.get(f"/b/{token}").status_code == 200  # the token is still unspent


@pytest.mark.parametrize("path", ["groups/1/edit", "subjects/1/move", "rounds/1/preview/1"])
def test_the_draft_pages_want_a_sign_in(client, make_campaign, path):
    cid = make_campaign()
    method = client.post if path.endswith("move") else client.get
    r = method(f"/admin/campaigns/{cid}/{path}")
    assert r.status_code in (302, 400, 403)


def test_a_part_added_goes_last_and_a_replaced_one_keeps_its_place(client, organiser_key, make_campaign):
    cid = make_campaign()
    subjects = _definition(client, organiser_key, cid)["subjects"]
    assert _move(client, organiser_key, cid, "subjects", subjects[3]["id"], "up").status_code == 200
    added = client.post(f"/api/v1/campaigns/{cid}/subjects", json={"name": "赵静", "kind": "person"},
                        headers=organiser_key).json
    assert added["position"] == 4
    moved = subjects[3]
    r = client.put(f"/api/v1/campaigns/{cid}/subjects/{moved['id']}", headers=organiser_key, json={
        "name": "刘洋", "kind": "person", "category": "教职工优秀党员", "unit": "护理系"})
    assert r.status_code == 200 and r.json["position"] == 2 and r.json["unit"] == "护理系"
    names = [s["name"] for s in _definition(client, organiser_key, cid)["subjects"]]
    assert names == ["王丽华", "李建国", "刘洋", "张敏", "赵静"]


def test_a_section_edit_on_the_page_keeps_what_only_the_api_sets(client, organiser_key, make_user, login, make_campaign):
    cid = make_campaign()
    rid = _definition(client, organiser_key, cid)["rounds"][0]["id"]
    caps = [{"option": "满意", "max_share": 0.5}, {"option": "不满意", "max_share": 0.2}]
    r = client.post(f"/api/v1/campaigns/{cid}/sections", headers=organiser_key, json={
        "round_id": rid, "type": "rating", "title": "满意度", "config": {"scale": "satisfaction", "caps": caps}})
    assert r.status_code == 201, r.json
    sid = r.json["id"]
    token = login(make_user("organiser"))
    r = client.post(f"/admin/campaigns/{cid}/sections/{sid}/edit", data={
        "csrf_token": token, "_form": "edit-section", "type": "rating", "round_id": str(rid), "title": "满意度（改）",
        "scale": "satisfaction", "cap_option": "满意", "cap_share": "0.4"})
    assert r.status_code == 302, r.get_data(as_text=True)[:500]
    got = next(s for s in _definition(client, organiser_key, cid)["rounds"][0]["sections"] if s["id"] == sid)
    assert got["title"] == "满意度（改）"
    assert got["config"]["caps"] == [{"option": "满意", "max_share": 0.4}, {"option": "不满意", "max_share": 0.2}]
