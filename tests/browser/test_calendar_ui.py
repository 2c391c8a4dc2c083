"""节假日安排 on a phone: an organiser's 公示 into 2027 is refused with what to enter and where;
an administrator enters 2027 (a typo first), checks it, saves it; the 公示 then goes through."""
from __future__ import annotations

import re

import pytest

from tests.browser.helpers import axe_problems, sign_in
from tests.helpers import BOGUS_2026, SCHEDULE_2027

pytestmark = pytest.mark.browser


def sign_out(page):
    page.get_by_role("button", name=re.compile("退出")).click()
    page.wait_for_load_state()


def publish_from_the_campaign_page(page, base, cid):
    page.goto(f"{base}/admin/campaigns/{cid}")
    form = page.locator("#publish")
    form.locator("input[name=subject_ids]").first.check()
    form.get_by_label("表彰称号 （各人未单独填写时使用）").fill("优秀共产党员")
    form.get_by_label("公示开始日期").fill("2026-12-28")
    form.get_by_role("button", name=re.compile("公布并开始公示")).click()
    page.wait_for_load_state()


def test_an_administrator_enters_2027_and_the_publicity_goes_through(live_server, phone, make_user, make_campaign,
                                                                     client, organiser_key, shots, monkeypatch):
    import datetime as dt

    from service.publication import operations as publication
    monkeypatch.setattr(publication, "today", lambda: dt.date(2026, 12, 1))  # 2026-12-28 is ahead
    cid = make_campaign()
    for state in ("announced", "open", "closed"):
        client.post(f"/api/v1/campaigns/{cid}/transitions", json={"to": state}, headers=organiser_key)
    page = phone
    page.on("dialog", lambda d: d.accept())

    sign_in(page, live_server, make_user("organiser"))
    publish_from_the_campaign_page(page, live_server, cid)
    refusal = page.locator("#publish .form-errors")  # beside the form that was sent
    assert "2027 年的法定节假日安排尚未录入" in refusal.inner_text()
    assert "/admin/calendar" in refusal.inner_text() and "python -m service calendar load" in refusal.inner_text()
    shots(page, "40-publicity-refused-for-2027")
    sign_out(page)

    sign_in(page, live_server, make_user("admin"))
    page.get_by_role("link", name="节假日安排").click()
    page.wait_for_url(live_server + "/admin/calendar")
    assert page.get_by_text("2004–2026 年", exact=True).is_visible()
    shots(page, "41-calendar-page")

    typo = SCHEDULE_2027.replace("workdays = 2027-02-20", "workdays = 2027-02-22")  # a Monday
    page.get_by_label("安排（每行一项）").fill(typo)
    page.get_by_role("button", name="保存").click()
    page.wait_for_load_state()
    errors = page.locator(".form-errors")
    assert "2027-02-22 是星期一，本来就上班" in errors.inner_text()
    assert page.get_by_label("安排（每行一项）").input_value() == typo  # kept to fix
    shots(page, "42-calendar-refused")
    assert axe_problems(page) == []

    page.get_by_label("安排（每行一项）").fill(SCHEDULE_2027)
    page.get_by_role("button", name="检查").click()
    page.wait_for_load_state()
    preview = page.locator("#preview")
    assert "2027-02-05 至 2027-02-13（星期五至星期六，9 天）" in preview.inner_text()
    assert "全年共 247 个工作日" in preview.inner_text()
    shots(page, "43-calendar-checked")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    page.get_by_role("button", name="保存").click()
    page.wait_for_load_state()
    assert page.get_by_text("已录入 2027 年的节假日安排").is_visible()
    assert "使用中" in page.locator("#year-2027").inner_text()
    shots(page, "44-calendar-saved")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    # A year the package knows is stored if entered, but the page says it is not used.
    page.get_by_label("安排（每行一项）").fill(BOGUS_2026)
    page.get_by_role("button", name="保存").click()
    page.wait_for_load_state()
    assert page.locator(".flash.warn").inner_text().startswith("注意：chinese-calendar 1.11.0 已包含 2026 年的安排")
    assert "未使用" in page.locator("#year-2026").inner_text()
    page.locator("#year-2026 summary").click()
    shots(page, "45-calendar-package-wins")
    assert axe_problems(page) == []
    sign_out(page)

    sign_in(page, live_server, make_user("organiser"))
    publish_from_the_campaign_page(page, live_server, cid)
    assert page.get_by_text("已公示：2026-12-28 至 2027-01-04（5 个工作日）").is_visible()
