"""An organiser on a phone (390×844) and on a 1920×1080 screen: from each template to an announced
campaign in under 15 actions, an edit and a move in place, and the 预览选票 equal to the ballot a
voter of that group opens with a token issued here."""
from __future__ import annotations

import re

import pytest

from service.campaigns import copies
from tests.browser.conftest import PHONE
from tests.browser.helpers import axe_problems
from tests.conftest import PASSWORD, issue_tokens

pytestmark = pytest.mark.browser
SCREENS = {"phone": PHONE, "screen": {"width": 1920, "height": 1080}}
KEYS = [t["key"] for t in copies.templates()]


@pytest.fixture(params=list(SCREENS))
def device(request, browser):
    mobile = request.param == "phone"
    context = browser.new_context(viewport=SCREENS[request.param], device_scale_factor=2 if mobile else 1,
                                  locale="zh-CN", is_mobile=mobile, has_touch=mobile)
    page = context.new_page()
    page.on("dialog", lambda d: d.accept())
    yield request.param, page
    context.close()


class Actions:
    """Counts what the organiser does: each click, fill, check or accepted confirmation is one."""
    def __init__(self, page):
        self.n = 0
        page.on("dialog", lambda _d: self.count())

    def count(self):
        self.n += 1

    def click(self, locator):
        locator.click()
        self.count()

    def fill(self, locator, text):
        locator.fill(text)
        self.count()


def _sign_in(page, base, user, act):
    page.goto(base + "/login")
    act.fill(page.get_by_label("用户名"), user["username"])
    act.fill(page.get_by_label("密码"), PASSWORD)
    act.click(page.get_by_role("button", name="登录"))
    page.wait_for_url(base + "/admin/")


def _from_template(page, base, user, key, act):
    """Sign in, pick the template, name the campaign, create it: the draft's id."""
    _sign_in(page, base, user, act)
    name = copies.template(key)["name"]
    act.click(page.get_by_role("radio", name=re.compile(re.escape(name))))
    act.fill(page.get_by_label("活动名称"), f"2026 年度{name}")
    act.click(page.get_by_role("button", name="按模板新建草稿"))
    page.wait_for_url(re.compile(r".*/admin/campaigns/\d+$"))
    return int(page.url.rsplit("/", 1)[1])


@pytest.mark.parametrize("key", KEYS)
def test_from_each_template_to_an_announced_campaign(live_server, device, make_user, shots, key):
    kind, page = device
    act = Actions(page)
    user = make_user("organiser")
    cid = _from_template(page, live_server, user, key, act)
    name = copies.template(key)["name"]
    assert page.get_by_role("heading", name=f"2026 年度{name}").is_visible()
    assert page.get_by_text("已按模板创建草稿").is_visible()
    assert page.locator("#groups tbody tr").count() == 5
    if key == KEYS[0]:
        shots(page, f"60-template-draft-{kind}")
    act.click(page.get_by_role("button", name="发布公告（公开评选标准和名额）"))  # and its confirmation
    page.wait_for_url(re.compile(rf".*/admin/campaigns/{cid}$"))
    assert page.locator("h1 .badge").inner_text() == "已公告"
    assert act.n < 15, act.n
    shots(page, f"61-template-announced-{key}-{kind}")


def test_the_template_list_reads_well(live_server, device, make_user, shots):
    kind, page = device
    act = Actions(page)
    _sign_in(page, live_server, make_user("organiser"), act)
    for t in copies.templates():
        assert page.get_by_role("radio", name=re.compile(re.escape(t["name"]))).is_visible()
    assert axe_problems(page) == []
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= SCREENS[kind]["width"], width  # nothing wider than the screen
    shots(page, f"62-new-campaign-{kind}")


def test_a_draft_is_edited_and_reordered_in_place(live_server, device, make_user, shots):
    kind, page = device
    act = Actions(page)
    _from_template(page, live_server, make_user("organiser"), "honours-recommendation", act)
    rows = page.locator("#subjects tbody tr")
    assert rows.nth(0).locator("td").first.inner_text() == "示例候选人甲"
    act.click(rows.nth(0).get_by_role("link", name="修改"))
    page.wait_for_url(re.compile(r".*/subjects/\d+/edit$"))
    shots(page, f"63-edit-subject-{kind}")
    act.fill(page.get_by_label("名称", exact=True), "王丽华")
    act.fill(page.get_by_label("单位"), "临床医学系")
    act.click(page.get_by_role("button", name="保存修改"))
    page.wait_for_url(re.compile(r".*/admin/campaigns/\d+#subject-\d+$"))
    assert page.get_by_text("已修改被测评对象").is_visible()
    assert rows.nth(0).locator("td").first.inner_text() == "王丽华"
    act.click(rows.nth(0).get_by_role("button", name="下移"))
    page.wait_for_load_state()
    assert [rows.nth(i).locator("td").first.inner_text() for i in range(2)] == ["示例候选人乙", "王丽华"]
    assert rows.nth(0).get_by_role("button", name="上移").is_disabled()
    shots(page, f"64-moved-{kind}")


def _rendered(page):
    """The sections as the page renders them: title, hint, rows (name, criterion, unit) and options."""
    return page.evaluate("""() => Array.from(document.querySelectorAll('section.q')).map(s => ({
        title: s.querySelector('h2').innerText,
        hint: s.querySelector('.hint').innerText,
        rows: Array.from(s.querySelectorAll('fieldset.row legend, .candidate .name, .score-row > span'))
                .map(e => e.innerText),
        options: Array.from(s.querySelectorAll('fieldset.row')).map(f =>
                Array.from(f.querySelectorAll('.choice span')).map(e => e.innerText).join('/')),
        writeIns: s.querySelectorAll("input[name$=':write_in']").length,
        text: s.querySelectorAll('textarea').length}))""")


@pytest.mark.parametrize("key", ["party-members", "honours-recommendation"])
def test_the_preview_equals_the_ballot_a_voter_opens(live_server, device, make_user, shots, app, organiser_key,
                                                     client, key):
    kind, page = device
    act = Actions(page)
    cid = _from_template(page, live_server, make_user("organiser"), key, act)
    c = client.get(f"/api/v1/campaigns/{cid}", headers=organiser_key).json
    rnd, group = c["rounds"][0], c["groups"][1]  # 学生
    act.click(page.get_by_role("link", name=f"预览选票：{rnd['title']} · {group['name']}"))
    page.wait_for_url(re.compile(rf".*/rounds/{rnd['id']}/preview/{group['id']}$"))
    assert page.locator("#preview-banner").is_visible()
    assert page.get_by_role("button", name="预览 · 不能投票").is_disabled()
    preview = _rendered(page)
    assert [s["title"] for s in preview] == [f"{i}\n{s['title']}" for i, s in enumerate(rnd["sections"], 1)]
    shots(page, f"65-preview-{key}-{kind}")

    for state in ("announced", "open"):
        assert client.post(f"/api/v1/campaigns/{cid}/transitions", json={"to": state},
                           headers=organiser_key).status_code == 200
    token = issue_tokens(app, cid, rnd["id"], group["id"], 1)[0]
    voter = page.context.browser.new_context(viewport=SCREENS[kind], locale="zh-CN", is_mobile=kind == "phone")
    ballot = voter.new_page()
    ballot.goto(f"{live_server}/b/{token}")
    assert ballot.get_by_role("button", name="提交选票").is_enabled()
    assert _rendered(ballot) == preview
    shots(ballot, f"66-ballot-{key}-{kind}")
    voter.close()
    page.reload()  # the preview once voting is open: the same, and still nothing to send
    assert _rendered(page) == preview
