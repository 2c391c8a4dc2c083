"""An organiser, in Chinese, on a phone: sign in, create a campaign with two voter groups,
import subjects from XLSX, add a round and a section, announce, and read the public page."""
from __future__ import annotations

import re

import pytest

from tests.browser.helpers import sign_in
from tests.conftest import OUTPUT
from tests.helpers import GOOD, xlsx

pytestmark = pytest.mark.browser


def test_organiser_defines_and_announces_a_campaign(live_server, phone, make_user, shots, tmp_path):
    page = phone
    page.on("dialog", lambda d: d.accept())
    user = make_user("organiser")

    page.goto(live_server + "/admin/")
    assert page.url.startswith(live_server + "/login")
    page.get_by_label("用户名").fill(user["username"])
    page.get_by_label("密码").fill(user["password"])
    shots(page, "01-login")
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(live_server + "/admin/")

    page.get_by_label("标题").fill("2026 年度优秀共产党员评选")
    page.get_by_label("说明").fill("按照“两推三评两个公开”的程序评选。")
    shots(page, "02-new-campaign")
    page.get_by_role("button", name="创建").click()
    page.wait_for_url(re.compile(r".*/admin/campaigns/\d+$"))
    assert page.get_by_text("测评活动已创建").is_visible()

    for name, weight, criteria in (("教师", "0.6", "比教学看师德、比科研看成果"),
                                   ("学生", "0.4", "比理想看责任、比学习看成绩")):
        form = page.locator("#add-group")
        form.get_by_label("群体名称").fill(name)
        form.get_by_label("权重").fill(weight)
        form.get_by_label("评价标准").fill(criteria)
        form.get_by_role("button", name="添加群体").click()
        page.wait_for_load_state()
        assert page.get_by_text("已添加参评群体").is_visible()
    groups = page.locator("#groups tbody tr")
    assert groups.count() == 2 and "比理想看责任" in groups.nth(1).inner_text()

    sheet = tmp_path / "被测评对象.xlsx"
    sheet.write_bytes(xlsx(GOOD))
    page.locator("#import-subjects input[type=file]").set_input_files(str(sheet))
    page.locator("#import-subjects").get_by_role("button", name="导入", exact=True).click()
    page.wait_for_load_state()
    assert page.get_by_text("已导入 3 个被测评对象").is_visible()
    assert page.locator("#subjects tbody tr").count() == 3
    shots(page, "03-groups-and-subjects")

    form = page.locator("#add-round")
    form.get_by_label("轮次名称").fill("师生推荐")
    form.get_by_label("类型").select_option("recommendation")
    form.get_by_role("button", name="添加轮次").click()
    page.wait_for_load_state()

    form = page.locator("#add-section")
    form.get_by_label("题型").select_option("score")  # 量化打分: its limits and the people it names
    assert form.get_by_label("最高分").is_visible() and form.get_by_text("指定对象").is_visible()
    form.screenshot(path=str(OUTPUT / "screenshots" / "03b-section-form-score.png"))
    form.get_by_label("题型").select_option("choose")
    assert form.get_by_label("量表").is_hidden()  # the form shows only the fields of the chosen type
    form.get_by_label("题目").fill("推荐优秀党员（限选 2 人）")
    form.get_by_label("限选人数").fill("2")
    form.get_by_label("名额").fill("2")
    form.get_by_role("button", name="添加题目").click()
    page.wait_for_load_state()
    assert page.get_by_text("已添加题目").is_visible()
    assert page.get_by_text("公告前还需完成").count() == 0
    shots(page, "04-ready-to-announce")

    page.get_by_role("button", name=re.compile("发布公告")).click()
    page.wait_for_load_state()
    assert page.get_by_text("状态已变为「已公告」").is_visible()
    assert page.locator("#add-group").count() == 0  # an announced campaign is frozen
    shots(page, "05-announced")

    page.get_by_role("link", name="查看公开公告页").click()
    page.wait_for_load_state()
    body = page.locator("main").inner_text()
    assert "评选名额" in body and "名额 2 名" in body
    assert "比教学看师德、比科研看成果" in body and "60%" in body
    assert "每月义诊一次" in body  # a public commitment from the imported sheet
    shots(page, "06-public-announcement")
    # the page fits a phone: nothing wider than the screen
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_validation_messages_are_shown_in_chinese(live_server, phone, make_user, shots):
    page = phone
    user = make_user("organiser")
    sign_in(page, live_server, user)
    page.get_by_label("标题").fill("校验测试")
    page.get_by_role("button", name="创建").click()
    page.wait_for_url(re.compile(r".*/admin/campaigns/\d+$"))
    form = page.locator("#add-group")
    form.get_by_label("群体名称").fill("教师")
    form.get_by_label("权重").evaluate("e => e.removeAttribute('min')")
    form.get_by_label("权重").fill("-1")
    form.get_by_role("button", name="添加群体").click()
    page.wait_for_load_state()
    form = page.locator("#add-group")  # the page again: the message beside the form, what was typed kept
    assert form.locator(".form-errors").get_by_text("权重：须在 0 至 1000 之间").is_visible()
    assert form.get_by_label("群体名称").input_value() == "教师" and form.get_by_label("权重").input_value() == "-1"
    assert page.locator("#add-subject .form-errors").count() == 0  # and beside that form only
    shots(page, "07-validation-message")


def test_admin_pages_on_a_desktop(live_server, desktop, make_user, shots):
    page = desktop
    user = make_user("admin")
    sign_in(page, live_server, user)
    page.goto(live_server + "/admin/api-keys")
    page.get_by_label("名称（调用方系统）").fill("学校门户")
    page.get_by_label("读取结果").check()
    page.get_by_role("button", name="创建").click()
    page.wait_for_load_state()
    key = page.locator("#new-key").inner_text()
    assert key.startswith("pgy_")
    shots(page, "08-api-key-shown-once")
    page.goto(live_server + "/admin/api-keys")
    assert key not in page.content()
    assert page.locator("tbody tr").count() == 1
    page.goto(live_server + "/admin/users")
    row = page.locator("tbody tr", has_text=user["username"])  # the signed-in admin, in words
    assert row.get_by_label(f"{user['username']} 的角色").locator("option:checked").inner_text() == "管理员"
    assert "正常" in row.inner_text()
    assert page.locator("h1").inner_text() == "用户"
    shots(page, "09-users")
