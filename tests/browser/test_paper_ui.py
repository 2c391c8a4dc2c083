"""The paper count in a phone's browser (issue 14): two tellers key one ballot and it counts; a
second ballot they key differently goes to the supervisor, who sees both entries side by side and
decides; a scan is uploaded with its progress shown, and the confirm screen shows each box's crop."""
from __future__ import annotations

import psycopg2
import pytest

from tests.browser.helpers import sign_in
from tests.helpers import paper_scan

pytestmark = pytest.mark.browser


def _key(page, base, code, marks: dict, shots=None, name=None):
    """Type a slip's code as a USB scanner would (its QR code's URL and Enter), tick the marks."""
    page.goto(base + "/admin/paper")
    page.get_by_label("票码").fill(f"{base.upper()}/B/{code}")
    page.get_by_label("票码").press("Enter")
    page.wait_for_selector("#entry")
    for field, value in marks.items():
        page.locator(f'input[name="{field}"][value="{value}"]').check()
    if shots:
        shots(page, name)
    page.get_by_role("button", name="保存录入").click()
    page.wait_for_url(base + "/admin/paper")
    return page.locator(".flashes").inner_text()


def _sources(database):
    with psycopg2.connect(database) as c, c.cursor() as cur:
        cur.execute("SELECT source, count(*) FROM ballots GROUP BY source ORDER BY source")
        rows = cur.fetchall()
    c.close()
    return rows


def test_two_tellers_a_supervisor_and_a_scan(browser, live_server, app, client, full_campaign, organiser_key,
                                              make_user, shots, database, tmp_path):
    from playwright.sync_api import expect

    from tests.browser.conftest import PHONE
    agreed, disputed, scanned = full_campaign.tokens(3)
    rating, approve = full_campaign.sections["rating"], full_campaign.sections["approve"]
    org, person = full_campaign.orgs[0], full_campaign.people[0]
    pages = {}
    for who, role in (("a", "teller"), ("b", "teller"), ("s", "supervisor")):
        context = browser.new_context(viewport=PHONE, device_scale_factor=2, locale="zh-CN", is_mobile=True,
                                      has_touch=True)
        pages[who] = context.new_page()
        sign_in(pages[who], live_server, make_user(role, username=f"paper-{who}"))
    a, b, s = pages["a"], pages["b"], pages["s"]
    a.get_by_role("link", name="纸质票录入").click()
    a.wait_for_url(live_server + "/admin/paper")
    shots(a, "80-paper-index-phone")

    marks = {f"s{rating}:{org}": "满意", f"s{approve}:{person}": "赞成"}
    assert "第一次录入已保存" in _key(a, live_server, agreed, marks, shots, "81-paper-entry-phone")
    assert "两次录入一致，已计入" in _key(b, live_server, agreed, marks)

    assert "第一次录入已保存" in _key(a, live_server, disputed, marks)
    assert "已交监票人裁定" in _key(b, live_server, disputed, {**marks, f"s{rating}:{org}": "不满意"})
    s.goto(live_server + "/admin/paper")
    s.get_by_label("票码").fill(disputed)
    s.get_by_role("button", name="打开这张票").click()
    s.wait_for_selector("table.dispute")
    expect(s.locator("table.dispute tr.differs")).to_have_count(1)
    expect(s.locator("table.dispute tr.differs")).to_contain_text("不满意")
    shots(s, "82-paper-dispute-phone")
    s.locator(f'#decide input[name="s{rating}:{org}"][value="不满意"]').check()
    s.get_by_role("button", name="确认裁定并计入").click()
    s.wait_for_url(live_server + "/admin/paper")
    expect(s.locator(".flashes")).to_contain_text("已计入")

    # A scan: uploaded with its progress, read, and confirmed beside its crops.
    files = paper_scan(app, full_campaign, scanned, [(rating, str(org), "基本满意"), (approve, str(person), "弃权")])
    paths = []
    for i, data in enumerate(files):
        path = tmp_path / f"scan-{i + 1}.png"
        path.write_bytes(data)
        paths.append(str(path))
    a.goto(live_server + "/admin/paper")
    a.get_by_label("扫描件").set_input_files(paths)
    a.get_by_role("button", name="上传并识读").click()
    a.wait_for_url("**/admin/paper/jobs/*")
    expect(a.locator("#job-status")).to_contain_text("已完成", timeout=60000)
    expect(a.locator("#job-progress")).to_have_attribute("value", str(len(files)))
    shots(a, "83-paper-scan-progress-phone")
    a.get_by_role("link", name="去确认读入的选票").click()
    a.get_by_role("link", name="确认第 1 张").click()
    expect(a.locator("#sheet-state")).to_contain_text("另一位计票人")  # the uploader does not confirm it
    b.goto(live_server + "/admin/paper")
    b.get_by_role("link", name="确认第 1 张").click()
    b.wait_for_selector("#scan-note")
    assert b.locator("img.crop").count() >= 10
    expect(b.locator(f'input[name="s{rating}:{org}"][value="基本满意"]')).to_be_checked()
    expect(b.locator("#sheet-state")).to_contain_text("确认即为第二次录入")
    shots(b, "84-paper-confirm-phone")
    b.get_by_role("button", name="保存录入").click()
    b.wait_for_url(live_server + "/admin/paper")
    expect(b.locator(".flashes")).to_contain_text("两次录入一致，已计入")
    expect(b.locator("#paper-" + str(full_campaign.id))).to_contain_text("3")
    for page in pages.values():
        page.context.close()

    r = client.post(f"/api/v1/campaigns/{full_campaign.id}/transitions", json={"to": "closed"}, headers=organiser_key)
    assert r.status_code == 200
    assert _sources(database) == [("paper", 3)]
