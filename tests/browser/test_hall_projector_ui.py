"""The hall's projector on a 1920×1080 screen (issue 13.4): four rounds of eight groups with 应到 /
发出 / 收回 / 收回率 and no scrollbar, a group issued nothing left out; after the close the organiser
presses 当场公布 and the projector, polling, turns to the results, a small group's figures not
shown on their own."""
from __future__ import annotations

import datetime
import json

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import sign_in
from tests.conftest import issue_tokens

pytestmark = pytest.mark.browser
GROUPS = ["校领导班子成员", "中层正职干部", "中层副职干部", "机关党总支在职党员", "教学科研单位教师代表",
          "离退休党员代表", "民主党派与无党派人士", "学生代表"]
ROUNDS = ["领导班子民主测评", "领导干部个人测评", "选人用人工作民主评议", "优秀共产党员推荐"]


def _hall(client, organiser_key):
    def api(path, body):
        r = client.post(f"/api/v1/campaigns{path}", json=body, headers=organiser_key)
        assert r.status_code in (200, 201), r.get_json()
        return r.get_json()
    cid = api("", {"title": "2026 年度领导班子和领导干部年度考核民主测评大会"})["id"]
    groups = [api(f"/{cid}/groups", {"name": n, "weight": 1, "eligible": 40 + i})["id"] for i, n in enumerate(GROUPS)]
    api(f"/{cid}/groups", {"name": "列席人员", "weight": 1})  # issued nothing: not on the projector
    people = [api(f"/{cid}/subjects", {"name": n, "kind": "person", "category": "干部"})["id"]
              for n in ("王丽华", "李建国", "张敏")]
    rounds, sections = [], []
    for title in ROUNDS:
        rid = api(f"/{cid}/rounds", {"title": title, "kind": "evaluation"})["id"]
        sections.append(api(f"/{cid}/sections", {"round_id": rid, "type": "score", "title": f"{title}打分",
                                                 "subject_ids": people})["id"])
        rounds.append(rid)
    for state in ("announced", "open"):
        api(f"/{cid}/transitions", {"to": state})
    return cid, rounds, groups, people, sections


def test_four_rounds_of_eight_groups_fit_and_then_the_results_are_shown(
        browser, live_server, client, organiser_key, auditor_key, make_user, shots):
    cid, rounds, groups, people, sections = _hall(client, organiser_key)
    app = client.application
    cast = 0
    for r_i, rid in enumerate(rounds):
        for g_i, gid in enumerate(groups):
            n = 2 if g_i == 7 else 6  # 学生代表 returns 2: fewer than small_group_k
            for token in issue_tokens(app, cid, rid, gid, n + 1)[:n]:
                body = {"token": token, "answers": {str(sections[r_i]): {str(people[0]): 90, str(people[1]): 80,
                                                                          str(people[2]): 70 + g_i}}}
                r = client.post("/api/v1/ballots:cast", data=json.dumps(body), content_type="application/json")
                assert r.status_code == 201
                cast += 1
    context = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="zh-CN")
    page = context.new_page()
    start = datetime.datetime(2026, 12, 1, 9, 0)
    page.clock.install(time=start)
    page.clock.pause_at(start + datetime.timedelta(seconds=1))
    page.goto(f"{live_server}/c/{cid}/turnout")
    assert page.locator("section.p-round").count() == 4
    first = page.locator("section.p-round").first
    assert first.locator("thead th").all_inner_texts() == ["参评群体", "应到", "发出", "收回", "收回率"]
    assert first.locator("tbody th").all_inner_texts() == GROUPS  # 列席人员 was issued nothing
    row = first.locator("tbody tr").first.locator("td").all_inner_texts()
    assert row == ["40", "7", "6", "85.7%"]
    shots(page, "75-projector-four-rounds")
    sizes = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.scrollHeight,"
                          " window.innerWidth, window.innerHeight]")
    assert sizes[0] <= sizes[2] and sizes[1] <= sizes[3], sizes  # no scrollbar
    for name in GROUPS:  # every name readable in full, not cut off
        cell = first.get_by_role("rowheader", name=name)
        assert cell.evaluate("e => e.scrollWidth <= e.clientWidth"), name

    r = client.post(f"/api/v1/campaigns/{cid}/transitions", json={"to": "closed"}, headers=organiser_key)
    assert r.status_code == 200
    organiser = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN").new_page()
    sign_in(organiser, live_server, make_user("organiser"))
    organiser.goto(f"{live_server}/admin/campaigns/{cid}")
    organiser.on("dialog", lambda d: d.accept())
    organiser.get_by_role("button", name="在投影上当场公布结果").click()
    expect(organiser.get_by_role("button", name="投影改回参评情况")).to_be_visible()
    page.clock.run_for(2000)  # the next poll sees the switch and the page redraws as results
    expect(page.locator("body.p-results")).to_be_visible()
    assert page.locator("section.p-result").count() == 4
    text = page.locator("main").inner_text()
    assert "王丽华" in text and "学生代表" not in text  # totals only: no group's own column
    first = page.locator("section.p-result").first.locator("tbody tr")
    api = client.get(f"/api/v1/campaigns/{cid}/rounds/{rounds[0]}/results", headers=organiser_key).get_json()
    rows = api["sections"][0]["rows"]
    assert first.first.locator("th").inner_text() == rows[0]["name"] == "王丽华"
    assert first.first.locator("td").last.inner_text() == "90.0"
    shots(page, "76-projector-results")
    events = client.get(f"/api/v1/audit/log?campaign_id={cid}&type=projector.results_shown",
                        headers=auditor_key).get_json()
    assert [e["text"] for e in events] == [events[0]["text"]] and "当场公布" in events[0]["text"]
    organiser.context.close()
    context.close()
