"""The projector counts up while ballots are cast, without a reload."""
from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.browser


def test_the_projector_counts_up_without_reloading(browser, live_server, client, full_campaign, shots):
    tokens = full_campaign.tokens(6)
    context = browser.new_context(viewport={"width": 1600, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{live_server}/c/{full_campaign.id}/turnout")
    page.evaluate("window.loadedAt = performance.timeOrigin")
    cell = page.locator(f"[data-key='r{full_campaign.round}-g{full_campaign.groups[0]}-cast']")
    assert cell.inner_text() == "0"
    shots(page, "30-projector-before")
    for t in tokens[:4]:
        r = client.post("/api/v1/ballots:cast", data=json.dumps({"token": t, "answers": {}}),
                        content_type="application/json")
        assert r.status_code == 201
    from playwright.sync_api import expect
    expect(cell).to_have_text("4", timeout=5000)  # within two polls
    assert page.locator(f"[data-key='r{full_campaign.round}-cast']").inner_text() == "4"
    assert page.evaluate("performance.timeOrigin") == page.evaluate("window.loadedAt")  # the same page: no reload
    shots(page, "31-projector-after")
    context.close()
