"""An organiser on a phone issues a batch as the codes' CSV for the print shop: choosing the layout
shows the warning and makes its box required, the browser asks once more, then the file downloads
(UTF-8 with BOM, one row a slip) with the progress line saying it cannot be downloaded again."""
from __future__ import annotations

import pytest

from tests.browser.helpers import axe_problems, sign_in

pytestmark = pytest.mark.browser


def test_the_codes_csv_warns_first_and_comes_once(live_server, phone, make_user, announced, shots, tmp_path, conn):
    page = phone
    sign_in(page, live_server, make_user("organiser"))
    page.goto(f"{live_server}/admin/campaigns/{announced['id']}#ballots")
    form = page.locator("#issue-batch")
    warning = page.locator("#codes-warning")
    assert not warning.is_visible()  # a PDF layout: no warning
    form.get_by_label("张数").fill("6")
    form.get_by_label("版式").select_option("csv")
    assert warning.get_by_text("每一行都是一张有效的选票").is_visible()
    assert axe_problems(page) == []
    shots(page, "batch-codes-1-warning")
    questions = []
    page.on("dialog", lambda d: (questions.append(d.message), d.accept()))
    form.get_by_role("button", name="生成并下载").click()  # the box is required: the browser stops here
    assert questions == []
    with conn.cursor() as cur:
        cur.execute("SELECT count(*) AS n FROM batches WHERE campaign_id = %s", (announced["id"],))
        assert cur.fetchone()["n"] == 0
    conn.commit()
    page.get_by_label("我明白").check()
    with page.expect_download() as download:
        form.get_by_role("button", name="生成并下载").click()
    assert questions and "只能下载这一次" in questions[0]
    path = tmp_path / "codes.csv"
    download.value.save_as(path)
    assert download.value.suggested_filename.startswith("2026 年度优秀党员评选-教师-第")
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and data.count(b"\r\n") == 7  # the header and six slips
    note = form.locator(".progress-text")
    note.get_by_text("不能再次下载").wait_for()
    shots(page, "batch-codes-2-downloaded")
