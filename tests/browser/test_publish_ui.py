"""An organiser on a phone puts two honourees up for 公示 with titles of their own (优秀共产党员,
优秀党务工作者): the form's lines fit the screen, and the public list shows each one's title."""
from __future__ import annotations

import pytest

from tests.browser.helpers import axe_problems, sign_in
from tests.conftest import OUTPUT

pytestmark = pytest.mark.browser


def test_two_honourees_with_titles_of_their_own(live_server, phone, make_user, closed_round):
    page = phone
    page.on("dialog", lambda d: d.accept())
    sign_in(page, live_server, make_user("organiser"))
    page.goto(f"{live_server}/admin/campaigns/{closed_round.id}")
    form = page.locator("#publish")
    form.get_by_label("王丽华（临床医学系）").check()
    form.get_by_label("李建国（护理系）").check()
    form.get_by_label("李建国的表彰称号").fill("优秀党务工作者")
    form.get_by_label("表彰称号 （各人未单独填写时使用）").fill("优秀共产党员")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert axe_problems(page) == []
    form.scroll_into_view_if_needed()
    form.screenshot(path=str(OUTPUT / "screenshots" / "77-publish-own-titles.png"))
    form.get_by_role("button", name="公布并开始公示").click()
    page.wait_for_load_state()
    page.goto(f"{live_server}/c/{closed_round.id}/publicity")
    rows = page.locator("table tr, li").all_inner_texts()
    assert any("王丽华" in r and "优秀共产党员" in r for r in rows), rows
    assert any("李建国" in r and "优秀党务工作者" in r for r in rows), rows
