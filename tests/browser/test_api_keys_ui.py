"""An admin makes an API key for the school portal on a phone and on a desktop: the term and rate
with their limits, the key shown once with its warning, the list in words, revoking after a
confirmation page."""
from __future__ import annotations

import pytest

from tests.browser.helpers import axe_problems, sign_in

pytestmark = pytest.mark.browser


def _create_and_revoke(page, base, user, shots, tag):
    sign_in(page, base, user)
    page.goto(base + "/admin/api-keys")
    form = page.locator("#create-key")
    assert form.get_by_label("有效天数").input_value() == "90"
    assert form.get_by_label("每分钟请求上限").input_value() == "600"
    form.get_by_label("名称（调用方系统）").fill("人事系统")
    form.get_by_label("读取结果").check()
    form.get_by_label("有效天数").evaluate("e => e.removeAttribute('max')")
    form.get_by_label("有效天数").fill("1000")
    form.get_by_role("button", name="创建").click()
    page.wait_for_load_state()
    refused = page.locator("#create-key .form-errors")
    assert refused.get_by_text("有效天数：须在 1 至 730 之间").is_visible()
    assert page.locator("#new-key").count() == 0 and page.locator("tbody tr", has_text="人事系统").count() == 0
    shots(page, f"api-keys-{tag}-1-refused")

    form = page.locator("#create-key")
    form.get_by_label("名称（调用方系统）").fill("学校门户")
    form.get_by_label("读取参评率").check()
    form.get_by_label("有效天数").fill("180")
    form.get_by_label("每分钟请求上限").fill("120")
    form.get_by_role("button", name="创建").click()
    page.wait_for_load_state()
    key = page.locator("#new-key").inner_text()
    assert key.startswith("pgy_") and page.get_by_text("密钥只显示这一次").is_visible()
    row = page.locator("tbody tr", has_text="学校门户")
    assert "有效" in row.inner_text() and "120 次/分钟" in row.inner_text() and "从未使用" in row.inner_text()
    assert axe_problems(page) == []
    shots(page, f"api-keys-{tag}-2-shown-once")

    page.goto(base + "/admin/api-keys")
    assert key not in page.content()
    page.locator("tbody tr", has_text="学校门户").get_by_role("link", name="撤销…").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="撤销密钥「学校门户」？").is_visible()
    shots(page, f"api-keys-{tag}-3-confirm")
    page.get_by_role("button", name="确认撤销").click()
    page.wait_for_load_state()
    assert "已撤销" in page.locator("tbody tr", has_text="学校门户").inner_text()
    assert axe_problems(page) == []
    shots(page, f"api-keys-{tag}-4-revoked")


def test_api_keys_on_a_phone(live_server, phone, make_user, shots):
    _create_and_revoke(phone, live_server, make_user("admin"), shots, "phone")


def test_api_keys_on_a_desktop(live_server, desktop, make_user, shots):
    _create_and_revoke(desktop, live_server, make_user("admin"), shots, "desktop")
