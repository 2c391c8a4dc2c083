"""One slip, two rounds, on a phone (issue 13.3): the voter scans once, casts the 测评 round, goes
on to the 推荐 round from the receipt, casts it, and the last receipt page lists both rounds'
receipt codes; both are found on their rounds' bulletin boards once mixed."""
from __future__ import annotations

import pytest

from tests.browser.conftest import PHONE
from tests.helpers import decode_pdf

pytestmark = pytest.mark.browser


def _fill_and_send(page, people):
    for box, value in zip(page.locator("input[type=number]").all(), ["90", "80"]):
        box.fill(value)
    page.get_by_role("button", name="提交选票").click()
    dialog = page.locator("dialog#confirm")
    dialog.wait_for(state="visible", timeout=5000)
    dialog.get_by_role("button", name="确认提交").click()
    page.locator("#tracker").wait_for()
    return page.locator("#tracker").inner_text()


def test_one_slip_two_rounds_and_both_receipts_on_one_page(live_server, phone, client, organiser_key, two_rounds,
                                                          shots, tmp_path, mix):
    r = client.post(f"/api/v1/campaigns/{two_rounds.id}/batches", headers=organiser_key, json={
        "round_id": two_rounds.rounds[0], "group_id": two_rounds.groups[0], "size": 2, "layout": "slips-2x4",
        "also_round_ids": [two_rounds.rounds[1]]})
    assert r.status_code == 201
    (tmp_path / "pdf").mkdir()
    code = decode_pdf(r.get_data(), tmp_path / "pdf")[0].split("/B/")[1]
    two_rounds.api(f"/{two_rounds.id}/transitions", {"to": "open"})
    page = phone
    page.goto(f"{live_server}/B/{code}")
    assert page.get_by_role("heading", name="民主测评", exact=True).is_visible()
    assert page.locator("#slip-rounds").inner_text() == "本票还含 1 轮，提交本轮后接着投下一轮。"
    shots(page, "70-slip-first-round")
    first = _fill_and_send(page, two_rounds.people)
    assert page.locator("#next-round").is_visible() and "优秀党员推荐" in page.locator("#next-round").inner_text()
    assert not page.locator("#slip-receipts").is_visible()  # one receipt so far: nothing to list
    shots(page, "71-slip-first-receipt")
    page.get_by_role("link", name="继续投下一轮").click()
    assert page.get_by_role("heading", name="优秀党员推荐", exact=True).is_visible()
    assert page.locator("#slip-rounds").count() == 0
    second = _fill_and_send(page, two_rounds.people)
    assert first != second and page.locator("#next-round").count() == 0
    listed = page.locator("#slip-receipts li").all_inner_texts()
    assert listed == [f"民主测评：{first}", f"优秀党员推荐：{second}"]
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shots(page, "72-slip-both-receipts")
    page.goto(f"{live_server}/b/{code}")
    assert page.get_by_role("heading", name="此选票已经使用").is_visible()
    mix()
    for round_id, tracker in zip(two_rounds.rounds, (first, second)):
        page.goto(f"{live_server}/board/{round_id}")
        page.get_by_label("核对回执码").fill(tracker)
        page.get_by_role("button", name="核对", exact=True).click()
        page.locator("#check-result", has_text="已计入").wait_for()
