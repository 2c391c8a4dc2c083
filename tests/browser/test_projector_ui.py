"""The projector counts up while ballots are cast, without a reload."""
from __future__ import annotations

import datetime
import json

import pytest

from tests.browser.helpers import sign_in

pytestmark = pytest.mark.browser


def test_the_projector_counts_up_without_reloading(browser, live_server, client, full_campaign, shots):
    tokens = full_campaign.tokens(6)
    context = browser.new_context(viewport={"width": 1600, "height": 900}, locale="zh-CN")
    page = context.new_page()
    # The page's timers run on a clock the test moves, paused before the page loads: no poll comes
    # of a slow machine's seconds, and no wall-clock waiting.
    start = datetime.datetime(2026, 12, 1, 9, 0)
    page.clock.install(time=start)
    page.clock.pause_at(start + datetime.timedelta(milliseconds=100))
    page.goto(f"{live_server}/c/{full_campaign.id}/turnout")
    page.evaluate("window.loadedAt = performance.timeOrigin")
    cell = page.locator(f"[data-key='r{full_campaign.round}-g{full_campaign.groups[0]}-cast']")
    assert cell.inner_text() == "0"
    polls = []
    page.on("request", lambda req: polls.append(req.url) if "turnout" in req.url else None)
    shots(page, "30-projector-before")
    for t in tokens[:4]:
        r = client.post("/api/v1/ballots:cast", data=json.dumps({"token": t, "answers": {}}),
                        content_type="application/json")
        assert r.status_code == 201
    from playwright.sync_api import expect
    assert polls == [] and cell.inner_text() == "0"  # the clock is paused: no poll yet
    page.clock.run_for(2000)  # two seconds of the page's time: one poll
    expect(cell).to_have_text("4")
    assert len(polls) == 1, polls
    assert page.locator(f"[data-key='r{full_campaign.round}-cast']").inner_text() == "4"
    assert page.evaluate("performance.timeOrigin") == page.evaluate("window.loadedAt")  # the same page: no reload
    shots(page, "31-projector-after")
    context.close()


def test_the_results_page_with_charts(browser, live_server, client, full_campaign, organiser_key, make_user,
                                      shots):
    s, o, p = full_campaign.sections, full_campaign.orgs, full_campaign.people
    mixes = [("满意", "满意", [p[0], p[1]]), ("基本满意", "满意", [p[0]]), ("不满意", "基本满意", [p[2]]),
             ("满意", "不了解", [p[1], p[0]]), ("满意", "满意", [p[0]]), ("基本满意", "不满意", [p[3]])]
    for i, (a, b, chosen) in enumerate(mixes * 2):
        (token,) = full_campaign.tokens(1, group=i % 2)
        r = client.post("/api/v1/ballots:cast", data=json.dumps({"token": token, "answers": {
            str(s["rating"]): {str(o[0]): a, str(o[1]): b, str(o[2]): "基本满意"},  # ≤ 2 满意 (the cap)
            str(s["choose"]): {"chosen": chosen}, str(s["score"]): {str(p[0]): 80 + i, str(p[1]): 70}}}),
            content_type="application/json")
        assert r.status_code == 201
    client.post(f"/api/v1/campaigns/{full_campaign.id}/transitions", json={"to": "closed"}, headers=organiser_key)
    context = browser.new_context(viewport={"width": 1100, "height": 900}, locale="zh-CN")
    page = context.new_page()
    sign_in(page, live_server, make_user("viewer"))
    page.goto(f"{live_server}/admin/campaigns/{full_campaign.id}/results")
    assert page.locator("figure.chart svg").count() >= 4
    text = page.locator("main").inner_text()
    assert "推荐" in text and "王丽华" in text and "有效门槛" in text
    assert "尚无有效评价" in text  # the approve section: nobody marked it
    rating = page.locator("table.results").first
    assert rating.locator("th.group").all_inner_texts() == ["教师\n满意率", "学生\n满意率"]  # per group
    assert rating.locator("td.group").count() == 2 * 3
    shots(page, "32-results")
    context.close()


def test_the_publicity_page_on_a_phone(live_server, phone, client, organiser_key, make_campaign, shots,
                                       monkeypatch):
    import datetime as dt

    from service.publication import operations as publication
    cid = make_campaign()
    for state in ("announced", "open", "closed"):
        client.post(f"/api/v1/campaigns/{cid}/transitions", json={"to": state}, headers=organiser_key)
    subjects = client.get(f"/api/v1/campaigns/{cid}", headers=organiser_key).json["subjects"]
    monkeypatch.setattr(publication, "today", lambda: dt.date(2026, 10, 9))
    r = client.post(f"/api/v1/campaigns/{cid}/publication", headers=organiser_key, json={
        "starts_on": "2026-09-30", "backdate_reason": "名单已于 9 月 30 日在校务公开栏张贴",
        "note": "公示期内如有异议，请通过下方表格或向党委组织部反映。",
        "honourees": [{"subject_id": subjects[0]["id"], "award": "优秀共产党员"},
                      {"subject_id": subjects[1]["id"], "award": "优秀共产党员"}]})
    assert r.status_code == 201
    page = phone
    page.goto(f"{live_server}/c/{cid}/publicity")
    assert page.get_by_text("2026-10-12").is_visible() and page.get_by_text("公示中").is_visible()
    page.get_by_label("涉及对象").select_option(label=subjects[1]["name"])
    page.get_by_label("意见内容").fill("该同志在年度考核中有一项记录需要核实。")
    shots(page, "33-publicity-form")
    page.get_by_role("button", name="提交意见").click()
    page.get_by_text("您的意见已提交").wait_for()
    shots(page, "34-publicity-objection-sent")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
