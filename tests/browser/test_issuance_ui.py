"""An organiser issues a batch in the admin page, watches it being made, downloads the PDF;
its first page is rasterised and saved to look at, and its codes decode to issued ballots."""
from __future__ import annotations

import hashlib
import subprocess

import pytest

from tests.browser.helpers import sign_in
from tests.conftest import OUTPUT
from tests.helpers import decode_pdf, rasterise, stored_hashes, token_of

pytestmark = pytest.mark.browser


def test_issue_a_batch_and_download_its_pdf(live_server, desktop, make_user, client, organiser_key,
                                            make_campaign, shots, tmp_path, conn, app):
    cid = make_campaign()
    client.post(f"/api/v1/campaigns/{cid}/transitions", json={"to": "announced"}, headers=organiser_key)
    page = desktop
    sign_in(page, live_server, make_user("organiser"))
    page.goto(f"{live_server}/admin/campaigns/{cid}#ballots")
    form = page.locator("#issue-batch")
    form.get_by_label("参评群体").select_option(label="学生")
    form.get_by_label("张数").fill("36")
    form.get_by_label("版式").select_option("slips-3x6")
    form.get_by_label("批次说明（会议）").fill("学生代表座谈会")
    with page.expect_download() as info:
        form.get_by_role("button", name="生成并下载").click()
    download = info.value
    assert download.suggested_filename.endswith(".pdf")
    pdf_path = tmp_path / "batch.pdf"
    download.save_as(pdf_path)
    page.get_by_text("文件已下载").wait_for()
    shots(page, "10-issued-batch-progress")
    page.wait_for_load_state()
    page.reload()
    row = page.locator("#ballots tbody tr").first
    assert "学生代表座谈会" in row.inner_text() and "36/36" in row.inner_text()
    shots(page, "11-batch-list")

    pdf = pdf_path.read_bytes()
    (tmp_path / "pages").mkdir()
    tokens = [token_of(u, app.config["SETTINGS"].base_url) for u in decode_pdf(pdf, tmp_path / "pages")]
    batch_id = int(row.inner_text().split()[0].lstrip("#"))
    assert {hashlib.sha256(t.encode()).digest() for t in tokens} == stored_hashes(conn, batch_id)
    assert len(tokens) == 36

    (OUTPUT / "screenshots").mkdir(parents=True, exist_ok=True)
    rasterise(pdf_path, OUTPUT / "screenshots" / "12-slips-3x6-page1", 100, "-f", "1", "-l", "1", "-singlefile")
    paper = client.post(f"/api/v1/campaigns/{cid}/batches", headers=organiser_key, json={
        "round_id": client.get(f"/api/v1/campaigns/{cid}", headers=organiser_key).json["rounds"][0]["id"],
        "group_id": client.get(f"/api/v1/campaigns/{cid}", headers=organiser_key).json["groups"][0]["id"],
        "size": 1, "layout": "paper"}).get_data()
    (tmp_path / "paper.pdf").write_bytes(paper)
    rasterise(tmp_path / "paper.pdf", OUTPUT / "screenshots" / "13-paper-ballot", 100, "-f", "1", "-l", "1",
              "-singlefile")
    text = subprocess.run(["pdftotext", str(tmp_path / "paper.pdf"), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "参评群体" in text and "推荐优秀党员" in text  # the Chinese is there to be drawn


def test_progress_is_shown_while_a_long_batch_is_made(live_server, desktop, make_user, client, organiser_key,
                                                     make_campaign, monkeypatch):
    import threading

    from ballots import slips
    real, gate, made = slips._qr_image, threading.Event(), []

    def gated(*args):  # the 400th slip waits until the page has shown a part-way figure
        made.append(1)
        if len(made) == 400 and not gate.wait(60):
            raise RuntimeError("the page never showed the batch part-way")
        return real(*args)
    monkeypatch.setattr(slips, "_qr_image", gated)
    cid = make_campaign()
    client.post(f"/api/v1/campaigns/{cid}/transitions", json={"to": "announced"}, headers=organiser_key)
    page = desktop
    sign_in(page, live_server, make_user("organiser"))
    page.goto(f"{live_server}/admin/campaigns/{cid}#ballots")
    page.evaluate("""() => { window.seen = []; const t = document.querySelector('.progress-text');
        new MutationObserver(() => window.seen.push(t.textContent)).observe(t, {childList: true}); }""")
    form = page.locator("#issue-batch")
    form.get_by_label("张数").fill("800")
    with page.expect_download():
        form.get_by_role("button", name="生成并下载").click()
        page.wait_for_function("""() => window.seen.some(s => /^已生成 [1-9][0-9]* \\/ 800/.test(s)
                                                          && !s.startsWith('已生成 800 '))""", timeout=60_000)
        gate.set()
    page.get_by_text("文件已下载").wait_for()
    seen = page.evaluate("window.seen")
    partial = [s for s in seen if s.startswith("已生成") and "/ 800" in s and not s.startswith("已生成 0 ")
               and not s.startswith("已生成 800 ")]
    assert partial, seen


def test_an_issuing_error_is_shown_on_the_page(live_server, desktop, make_user, client, organiser_key,
                                               make_campaign):
    cid = make_campaign()
    client.post(f"/api/v1/campaigns/{cid}/transitions", json={"to": "announced"}, headers=organiser_key)
    page = desktop
    sign_in(page, live_server, make_user("organiser"))
    page.goto(f"{live_server}/admin/campaigns/{cid}#ballots")
    for state in ("open", "closed"):  # closed behind the organiser's back
        client.post(f"/api/v1/campaigns/{cid}/transitions", json={"to": state}, headers=organiser_key)
    page.locator("#issue-batch").get_by_role("button", name="生成并下载").click()
    page.get_by_text("只有在“已公告”或“投票中”时才能发放或作废选票").wait_for()
