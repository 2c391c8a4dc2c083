"""The auditor's pages (issue 11.4): the log in words with its filters, a round's checkpoints and
its verification run online, the bundle downloaded with the session; every download an event."""
from __future__ import annotations

import io
import re
import zipfile

import pytest

from ballots import verify

CAST = "/api/v1/ballots:cast"


def _round_url(c) -> str:
    return f"/admin/audit/campaigns/{c.id}/rounds/{c.round}"


def test_the_auditor_reads_the_log_in_words_and_filters_it(client, make_user, login, closed_round):
    login(make_user("auditor"))
    r = client.get("/admin/audit")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert "创建测评活动「2026 年度师生满意度测评」" in html and "活动状态：投票中 → 投票结束" in html
    assert "campaign.created" not in html.split("<tbody>")[1]  # the table: words, never codes
    assert 'href="/admin/audit"' in html  # the nav's link
    assert _round_url(closed_round) in html  # the closed round is listed
    assert '<option value="checkpoint.signed"' in html and ">签署检查点<" in html

    r = client.get(f"/admin/audit?type=campaign.created&campaign_id={closed_round.id}")
    body = r.get_data(as_text=True).split("<tbody>")[1]
    assert r.status_code == 200 and "创建测评活动" in body and "活动状态" not in body and "签署检查点" not in body
    assert body.count("<tr>") == 1

    r = client.get("/admin/audit?type=checkpoint.signed&actor=系统")
    body = r.get_data(as_text=True).split("<tbody>")[1]
    assert "系统：签署检查点" in body and body.count("<tr>") == 1
    r = client.get("/admin/audit?actor=nobody-at-all")
    assert "没有符合条件的记录" in r.get_data(as_text=True)
    r = client.get("/admin/audit?since=2000-01-01&until=2000-01-02")
    assert "没有符合条件的记录" in r.get_data(as_text=True)


@pytest.mark.parametrize("query", ["since=yesterday", "campaign_id=x", "type=no.such", "since=2026-02-01&until=2026-01-01"])
def test_a_filter_that_does_not_read_is_said_in_chinese(client, make_user, login, query):
    login(make_user("auditor"))
    r = client.get(f"/admin/audit?{query}")
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert 'role="alert"' in html and "筛选审计日志" in html


def test_a_viewer_may_not(client, make_user, login, closed_round):
    login(make_user("viewer"))
    assert "/admin/audit" not in client.get("/admin/").get_data(as_text=True)
    assert client.get("/admin/audit").status_code == 403
    assert client.get(_round_url(closed_round)).status_code == 403


def test_the_round_page_verifies_online_and_the_bundle_downloads(client, make_user, login, closed_round, conn):
    token = login(make_user("auditor", username="shenji"))
    r = client.get(_round_url(closed_round))
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and "第 1 号 · 投票结束时" in html and "<pre" in html and "— " in html
    assert "在线核验" in html and f"/api/v1/campaigns/{closed_round.id}/rounds/{closed_round.round}/bundle" in html

    r = client.post(_round_url(closed_round) + "/verification", data={"csrf_token": token})
    html = r.get_data(as_text=True)
    assert r.status_code == 200, html[:500]
    assert "核验结论：<strong>全部通过" in html
    assert html.count('class="badge status-pass">通过<') == 9 and "未通过</span>" not in html
    assert "第 9 步 · 计票哈希" in html
    assert client.post(_round_url(closed_round) + "/verification").status_code == 403  # no CSRF token

    r = client.get(f"/api/v1/campaigns/{closed_round.id}/rounds/{closed_round.round}/bundle")
    assert r.status_code == 200 and r.mimetype == "application/zip"
    data = r.get_data()
    assert "manifest.json" in zipfile.ZipFile(io.BytesIO(data)).namelist()
    assert verify.report(verify.verify(io.BytesIO(data)))["verdict"] == "PASS"
    with conn.cursor() as cur:
        cur.execute("SELECT type, actor, payload FROM audit_log WHERE chain = %s AND type IN "
                    "('bundle.downloaded', 'verification.run') ORDER BY height", (closed_round.id,))
        rows = [(r["type"], r["actor"]) for r in cur.fetchall()]
    assert rows == [("verification.run", "user:shenji"), ("bundle.downloaded", "user:shenji")]
    html = client.get("/admin/audit?type=bundle.downloaded").get_data(as_text=True)
    assert f"shenji：下载审计包（轮次 {closed_round.round}）" in html


def test_an_open_rounds_page_says_to_wait(client, make_user, login, full_campaign):
    token = login(make_user("auditor"))
    html = client.get(_round_url(full_campaign)).get_data(as_text=True)
    assert "投票结束后才能核验" in html and "在线核验</button>" not in html
    r = client.post(_round_url(full_campaign) + "/verification", data={"csrf_token": token})
    assert r.status_code == 302  # refused, said at the top of the round's page
    assert client.get(f"/admin/audit/campaigns/{full_campaign.id}/rounds/999999").status_code == 404


def test_a_verification_with_a_skipped_step_says_incomplete_not_failed(client, make_user, login, closed_round,
                                                                        monkeypatch):
    from service.audit import operations as audit_ops
    real = audit_ops.verify_online

    def one_skipped(campaign_id, round_id):
        report = real(campaign_id, round_id)
        report["steps"][-1]["status"] = verify.SKIPPED
        report["verdict"] = "INCOMPLETE"
        return report
    monkeypatch.setattr(audit_ops, "verify_online", one_skipped)
    token = login(make_user("auditor", username="shenji2"))
    html = client.post(_round_url(closed_round) + "/verification", data={"csrf_token": token}).get_data(as_text=True)
    assert "核验结论：<strong>未完成：有步骤跳过，其余通过" in html and 'class="verdict partial"' in html
    assert "未通过" not in html and 'class="badge status-skipped">跳过<' in html


def test_the_log_pages_through_every_entry_under_its_filters(client, make_user, login, closed_round, auditor_key):
    """Two at a time, newest first: the pages hold every entry once, in the API's order, and the
    links keep the filters."""
    login(make_user("auditor"))
    everything = client.get(f"/api/v1/audit/log?campaign_id={closed_round.id}&limit=1000", headers=auditor_key).json
    assert len(everything) > 4
    seen, url = [], f"/admin/audit?campaign_id={closed_round.id}&limit=2"
    while url:
        html = client.get(url).get_data(as_text=True)
        seen += re.findall(r'<code title="([0-9a-f]{64})">', html)
        older = re.search(r'href="([^"]+)" rel="next"', html)
        url = older and older.group(1).replace("&amp;", "&")
        if url:
            assert f"campaign_id={closed_round.id}" in url and "limit=2" in url
        assert len(seen) <= len(everything) + 2, "the pages do not end"
    assert seen == [e["hash"] for e in everything]
    second = client.get(f"/admin/audit?campaign_id={closed_round.id}&limit=2&offset=2").get_data(as_text=True)
    assert "第 3–4 条（新的在前）" in second and 'rel="prev"' in second
    api = client.get(f"/api/v1/audit/log?campaign_id={closed_round.id}&limit=2&offset=2", headers=auditor_key).json
    assert [e["hash"] for e in api] == seen[2:4]
    assert client.get("/api/v1/audit/log?offset=-1", headers=auditor_key).status_code == 422
    assert client.get("/admin/audit?offset=x").status_code == 422
