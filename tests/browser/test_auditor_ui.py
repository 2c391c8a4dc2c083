"""The auditor signs in, reads the log, opens a closed round, verifies it online and downloads its
bundle, which the offline verifier passes."""
from __future__ import annotations

import json

import pytest

from ballots import verify
from tests.browser.conftest import PHONE
from tests.browser.helpers import sign_in

pytestmark = pytest.mark.browser


def _close(client, organiser_key, campaign):
    for i, token in enumerate(campaign.tokens(4) + campaign.tokens(3, group=1)):
        answers = campaign.valid if i % 2 else {}
        r = client.post("/api/v1/ballots:cast", data=json.dumps({"token": token, "answers": answers}),
                        content_type="application/json")
        assert r.status_code == 201
    r = client.post(f"/api/v1/campaigns/{campaign.id}/transitions", json={"to": "closed"}, headers=organiser_key)
    assert r.status_code == 200


@pytest.mark.parametrize("screen", ["phone", "desktop"])
def test_the_auditor_verifies_a_round_and_downloads_its_bundle(browser, live_server, client, full_campaign,
                                                               organiser_key, make_user, shots, tmp_path, screen):
    from playwright.sync_api import expect
    _close(client, organiser_key, full_campaign)
    options = ({"viewport": PHONE, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
               if screen == "phone" else {"viewport": {"width": 1280, "height": 900}})
    context = browser.new_context(locale="zh-CN", accept_downloads=True, **options)
    page = context.new_page()
    sign_in(page, live_server, make_user("auditor", username=f"shenji-{screen}"))
    page.get_by_role("link", name="审计", exact=True).click()
    page.wait_for_url(live_server + "/admin/audit")
    log = page.locator("table.audit-log")
    expect(log).to_contain_text("系统：签署检查点")
    expect(log).to_contain_text("活动状态：投票中 → 投票结束")
    page.get_by_label("类型").select_option(label="签署检查点")
    page.get_by_role("button", name="筛选").click()
    expect(log.locator("tbody tr")).to_have_count(1)
    shots(page, f"70-audit-log-{screen}")

    page.locator("#rounds a").first.click()
    page.wait_for_url(f"**/admin/audit/campaigns/{full_campaign.id}/rounds/{full_campaign.round}")
    expect(page.locator("pre.note").first).to_contain_text("— ")
    page.get_by_role("button", name="在线核验").click()
    expect(page.locator(".verdict")).to_contain_text("全部通过")
    statuses = page.locator("ol.steps .badge").all_inner_texts()
    assert statuses == ["通过"] * 9, statuses
    shots(page, f"71-audit-round-{screen}")

    with page.expect_download() as info:
        page.get_by_role("link", name="下载审计包（zip）").click()
    path = tmp_path / "bundle.zip"
    info.value.save_as(path)
    steps = verify.verify(path)
    assert [s.status for s in steps] == [verify.PASS] * len(steps), [(s.number, s.details) for s in steps if s.details]

    page.goto(live_server + "/admin/audit?type=bundle.downloaded")
    expect(log).to_contain_text(f"shenji-{screen}：下载审计包")
    context.close()
