"""Campaign templates (service/campaigns/templates/*.json) and copies of an earlier campaign."""
from __future__ import annotations

import json

import psycopg2
import pytest
from marshmallow import ValidationError

from service.campaigns import copies
from tests.conftest import issue_tokens

KEYS = ["party-members", "party-organisations", "honours-recommendation", "leadership-review", "appointments-review"]
FIVE_GROUPS = ["教师", "学生", "机关", "后勤职工", "离退休教工"]


def test_the_shipped_templates_load_and_are_the_five_of_the_issue():
    assert [t["key"] for t in copies.templates()] == KEYS
    for t in copies.templates():
        assert [g["name"] for g in t["groups"]] == FIVE_GROUPS
        assert all(g["criteria"].startswith("比") for g in t["groups"])  # 五比五看


@pytest.mark.parametrize("key", KEYS)
def test_each_template_makes_a_campaign_that_can_be_announced(client, organiser_key, key):
    r = client.post("/api/v1/campaigns/from-template", json={"template": key}, headers=organiser_key)
    assert r.status_code == 201, r.json
    cid = r.json["id"]
    c = client.get(f"/api/v1/campaigns/{cid}", headers=organiser_key).json
    assert c["state"] == "draft" and c["readiness"] == []
    t = copies.template(key)
    assert c["title"] == t["campaign"]["title"]
    assert [g["name"] for g in c["groups"]] == FIVE_GROUPS
    assert [g["position"] for g in c["groups"]] == [0, 1, 2, 3, 4]
    assert [s["title"] for r in c["rounds"] for s in r["sections"]] == \
        [s["title"] for r in t["rounds"] for s in r["sections"]]
    r = client.post(f"/api/v1/campaigns/{cid}/transitions", json={"to": "announced"}, headers=organiser_key)
    assert r.status_code == 200, r.json
    created = client.get(f"/api/v1/campaigns/{cid}/events", headers=organiser_key).json[-1]
    assert created["action"] == "campaign.created" and created["details"]["template"] == key


def test_the_scales_the_issue_names(client, organiser_key):
    def options(key):
        cid = client.post("/api/v1/campaigns/from-template", json={"template": key, "title": "二〇二六年度"},
                          headers=organiser_key).json["id"]
        c = client.get(f"/api/v1/campaigns/{cid}", headers=organiser_key).json
        assert c["title"] == "二〇二六年度"
        return c["rounds"][0]["sections"][0]
    members = options("party-members")
    assert members["config"]["scale"] == "member" and len(members["config"]["criteria"]) == 5  # 五带头
    assert members["config"]["caps"] == [{"option": "优秀", "max_share": 0.3333}]
    assert options("party-organisations")["config"]["criteria"] == ["领导班子好", "党员队伍好", "工作机制好",
                                                                      "工作业绩好", "群众反映好"]
    choose = options("honours-recommendation")
    assert choose["type"] == "choose" and choose["config"]["write_ins"] is True and choose["config"]["max_choices"] == 2
    assert [o["label"] for o in options("leadership-review")["config"]["options"]] == ["优秀", "称职", "基本称职", "不称职"]
    assert options("appointments-review")["config"]["scale"] == "satisfaction"


def test_the_template_list_over_the_api(client, organiser_key):
    r = client.get("/api/v1/campaign-templates", headers=organiser_key)
    assert r.status_code == 200
    assert [t["key"] for t in r.json] == KEYS
    assert r.json[0]["name"] == "民主评议党员" and r.json[0]["groups"] == FIVE_GROUPS


def test_an_unknown_template_or_bad_body_changes_nothing(client, organiser_key, fingerprint):
    before = fingerprint()
    for body, status in (({"template": "no-such"}, 404), ({"template": "../etc"}, 422), ({}, 422),
                         ({"template": "party-members", "extra": 1}, 422), ({"template": "party-members", "title": ""}, 422)):
        r = client.post("/api/v1/campaigns/from-template", json=body, headers=organiser_key)
        assert r.status_code == status, (body, r.json)
    assert client.post("/api/v1/campaigns/from-template", json={"template": "party-members"}).status_code == 401
    assert fingerprint() == before


def test_a_bad_template_file_fails_its_schema(tmp_path):
    t = json.loads((copies.TEMPLATES / "party-members.json").read_text(encoding="utf-8"))
    bad = dict(t, rounds=[{"title": "x", "kind": "evaluation", "sections": [
        {"type": "rating", "title": "y", "config": {"scale": "no-such"}}]}])
    unknown = dict(t, rounds=[{"title": "x", "kind": "evaluation", "sections": [
        {"type": "text", "title": "y", "groups": ["没有这个群体"]}]}])
    for n, body in enumerate((bad, unknown, dict(t, colour="red"), dict(t, groups=[]))):
        path = tmp_path / f"t{n}.json"
        path.write_text(json.dumps(body, ensure_ascii=False), encoding="utf-8")
        with pytest.raises(ValidationError):
            copies.load_template(path)


def _count(dsn, table, cid):
    with psycopg2.connect(dsn) as c, c.cursor() as cur:
        cur.execute(f"SELECT count(*) FROM {table} WHERE campaign_id = %s", (cid,))  # noqa: S608 (the tests' names)
        n = cur.fetchone()[0]
    c.close()
    return n


def test_a_copy_takes_the_definition_and_nothing_of_the_voting(client, organiser_key, full_campaign, database):
    src = full_campaign
    token = src.tokens(2)[0]
    assert client.post("/api/v1/ballots:cast", json={"token": token, "answers": src.valid}).status_code == 201
    issue_tokens(client.application, src.id, src.round, src.groups[1], 3)
    r = client.post(f"/api/v1/campaigns/{src.id}/copy", json={}, headers=organiser_key)
    assert r.status_code == 201, r.json
    new = r.json["id"]
    a = client.get(f"/api/v1/campaigns/{src.id}", headers=organiser_key).json
    b = client.get(f"/api/v1/campaigns/{new}", headers=organiser_key).json
    assert b["state"] == "draft" and b["title"] == a["title"] + "（副本）" and b["rules"] == a["rules"]
    strip = lambda parts: [{k: v for k, v in p.items() if k not in ("id", "round_id", "subject_ids", "group_ids", "position")}  # noqa: E731
                           for p in parts]
    assert strip(b["groups"]) == strip(a["groups"]) and strip(b["subjects"]) == strip(a["subjects"])
    secs = lambda c: [s for r in c["rounds"] for s in r["sections"]]  # noqa: E731
    assert strip(secs(b)) == strip(secs(a))
    names = lambda c, ids: [next(s["name"] for s in c["subjects"] if s["id"] == i) for i in ids or []]  # noqa: E731
    assert [names(b, s["subject_ids"]) for s in secs(b)] == [names(a, s["subject_ids"]) for s in secs(a)]
    assert not set(s["id"] for s in b["subjects"]) & set(s["id"] for s in a["subjects"])
    for table in ("ballot_tokens", "batches", "sealed_ballots", "ballots", "publications", "objections"):
        assert _count(database, table, new) == 0, table
    assert _count(database, "ballot_tokens", src.id) == 4  # the source keeps its own (the spent one is gone)
    events = client.get(f"/api/v1/campaigns/{new}/events", headers=organiser_key).json
    assert [e["action"] for e in events] == ["campaign.created"]
    assert events[0]["details"]["source_campaign_id"] == src.id
    assert client.post(f"/api/v1/campaigns/{new}/transitions", json={"to": "announced"},
                       headers=organiser_key).status_code == 200


def test_a_copy_can_be_named_and_a_missing_source_is_404(client, organiser_key, make_campaign):
    cid = make_campaign()
    r = client.post(f"/api/v1/campaigns/{cid}/copy", json={"title": "2027 年度优秀党员评选"}, headers=organiser_key)
    assert r.status_code == 201 and r.json["title"] == "2027 年度优秀党员评选"
    assert client.post("/api/v1/campaigns/999999/copy", json={}, headers=organiser_key).status_code == 404
    assert client.post(f"/api/v1/campaigns/{cid}/copy", json={"title": 5}, headers=organiser_key).status_code == 422


def test_the_example_in_docs_templates_md_is_a_valid_template(tmp_path, client, organiser_key, monkeypatch):
    text = (copies.TEMPLATES.parents[2] / "docs" / "templates.md").read_text(encoding="utf-8")
    example = text.split("```json", 1)[1].split("```", 1)[0]
    (tmp_path / "offices.json").write_text(example, encoding="utf-8")
    loaded = copies.load_template(tmp_path / "offices.json")
    assert loaded["key"] == "offices" and loaded["rounds"][0]["sections"][1]["groups"] == ["学生"]
    monkeypatch.setattr(copies, "templates", lambda: (loaded,))
    cid = client.post("/api/v1/campaigns/from-template", json={"template": "offices"}, headers=organiser_key).json["id"]
    c = client.get(f"/api/v1/campaigns/{cid}", headers=organiser_key).json
    students = next(g["id"] for g in c["groups"] if g["name"] == "学生")
    assert c["rounds"][0]["sections"][1]["group_ids"] == [students] and c["readiness"] == []


def test_the_list_page_makes_copies_and_drafts_from_templates(client, organiser_key, make_campaign, make_user, login,
                                                               fingerprint):
    cid = make_campaign()
    token = login(make_user("organiser"))
    page = client.get("/admin/").get_data(as_text=True)
    assert all(t["name"] in page for t in copies.templates()) and 'id="copy-campaign"' in page
    before = fingerprint()
    r = client.post("/admin/campaigns/from-template", data={"csrf_token": token, "_form": "from-template"})
    assert r.status_code == 422 and "未能保存" in r.get_data(as_text=True)
    r = client.post("/admin/campaigns/copy", data={"csrf_token": token, "_form": "copy-campaign", "source": "x"})
    assert r.status_code == 422 and "请选择要复制的测评活动" in r.get_data(as_text=True)
    assert fingerprint() == before
    r = client.post("/admin/campaigns/copy", data={"csrf_token": token, "_form": "copy-campaign", "source": str(cid)})
    assert r.status_code == 302
    new = int(r.headers["Location"].rsplit("/", 1)[1])
    html = client.get(f"/admin/campaigns/{new}").get_data(as_text=True)
    assert "复制测评活动「2026 年度优秀党员评选」，创建「2026 年度优秀党员评选（副本）」" in html
    r = client.post("/admin/campaigns/from-template", data={"csrf_token": token, "_form": "from-template",
                                                           "template": "party-organisations", "title": ""})
    new = int(r.headers["Location"].rsplit("/", 1)[1])
    html = client.get(f"/admin/campaigns/{new}").get_data(as_text=True)
    assert "按模板「先进基层党组织评议」创建测评活动「年度先进基层党组织评议」" in html
