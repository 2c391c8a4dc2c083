"""An organiser on a phone downloads a batch's codes for the print shop: the warning first, the
box to tick, then the file (UTF-8 with BOM, the batch's rows)."""
from __future__ import annotations

import pytest

from tests.browser.helpers import axe_problems, sign_in

pytestmark = pytest.mark.browser


def test_the_codes_download_warns_first(live_server, phone, make_user, issue, announced, shots, tmp_path):
    batch_id, _ = issue(6)
    page = phone
    sign_in(page, live_server, make_user("organiser"))
    page.goto(f"{live_server}/admin/campaigns/{announced['id']}#ballots")
    page.get_by_role("link", name="票码 CSV…").click()
    page.wait_for_load_state()
    assert page.locator("#codes-warning").get_by_text("每一行都是一张有效的选票").is_visible()
    assert axe_problems(page) == []
    shots(page, "batch-codes-1-warning")
    page.get_by_role("button", name="下载 CSV").click()  # the box is required: the browser stops here
    assert page.url.endswith(f"/batches/{batch_id}/codes")
    page.get_by_label("我明白").check()
    with page.expect_download() as download:
        page.get_by_role("button", name="下载 CSV").click()
    path = tmp_path / "codes.csv"
    download.value.save_as(path)
    assert download.value.suggested_filename == f"2026 年度优秀党员评选-教师-第{batch_id}批票码.csv"
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and data.count(b"\r\n") == 7
