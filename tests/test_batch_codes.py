"""A printed batch's codes as CSV for a print shop's mail merge: the rows are the printed slips
(checked against the PDF's own QR codes and text), UTF-8 with a BOM, formula-safe, never cached,
a Chinese file name; each download an event without a code; refused for a voided batch, after
voting, without the permission; the page warns and asks first; no code reaches the server's log."""
from __future__ import annotations

import csv
import hashlib
import io
import re
import subprocess
import urllib.parse
import urllib.request

import pytest

from ballots.tokens import grouped
from service.issuance.codes import COLUMNS, safe_cell
from tests.helpers import decode_pdf, stored_hashes, token_of


def _codes(client, cid, batch_id, headers):
    return client.get(f"/api/v1/campaigns/{cid}/batches/{batch_id}/codes", headers=headers)


def _rows(body: bytes) -> list[list[str]]:
    assert body.startswith(b"\xef\xbb\xbf")  # the BOM: Excel reads the file as UTF-8
    return list(csv.reader(io.StringIO(body[3:].decode("utf-8"), newline="")))


def _events(conn, kind):
    with conn.cursor() as cur:
        cur.execute("SELECT actor, payload FROM audit_log WHERE type = %s ORDER BY chain, height", (kind,))
        rows = cur.fetchall()
    conn.commit()
    return rows


@pytest.mark.parametrize("layout", ["slips-2x4", "slips-3x6", "paper"])
def test_the_csv_carries_exactly_what_the_printed_slips_carry(client, issue, announced, organiser_key, app, conn,
                                                              tmp_path, layout):
    batch_id, pdf = issue(9 if layout != "paper" else 2, layout)
    r = _codes(client, announced["id"], batch_id, organiser_key)
    assert r.status_code == 200, r.get_data(as_text=True)[:300]
    header, *rows = _rows(r.get_data())
    assert tuple(header) == COLUMNS
    base = app.config["SETTINGS"].base_url
    printed_urls = decode_pdf(pdf, tmp_path)  # what the slips' QR codes say
    (tmp_path / "s.pdf").write_bytes(pdf)
    text = subprocess.run(["pdftotext", str(tmp_path / "s.pdf"), "-"], capture_output=True, text=True, check=True).stdout
    printed_codes = re.findall(r"[0-9A-Z]{4}(?:-[0-9A-Z]{4}){6}", text)  # and their typed codes
    assert [row[0] for row in rows] == [str(i) for i in range(1, len(rows) + 1)]
    assert sorted(row[4] for row in rows) == sorted(printed_urls)
    assert sorted(row[5] for row in rows) == sorted(printed_codes)
    for row in rows:
        assert row[5] == grouped(token_of(row[4], base))  # each row's code is its own QR code's ballot
        assert row[1:4] == ["2026 年度优秀党员评选", "师生推荐", "教师"]
    assert {hashlib.sha256(token_of(row[4], base).encode()).digest() for row in rows} == stored_hashes(conn, batch_id)
    again = _rows(_codes(client, announced["id"], batch_id, organiser_key).get_data())
    assert again == [header, *rows]  # the same batch, the same codes, in the PDF's order


def test_the_download_is_a_file_that_is_never_cached(client, issue, announced, organiser_key):
    batch_id, _ = issue(3)
    r = _codes(client, announced["id"], batch_id, organiser_key)
    assert r.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert r.headers["Cache-Control"] == "no-store"
    disposition = r.headers["Content-Disposition"]
    assert disposition.startswith("attachment; ")
    name = urllib.parse.unquote(re.search(r"filename\*=UTF-8''(\S+)", disposition).group(1))
    assert name == f"2026 年度优秀党员评选-教师-第{batch_id}批票码.csv"
    assert f'filename="ballot-codes-{announced["id"]}-{batch_id}.csv"' in disposition  # for old clients
    assert r.get_data().count(b"\r\n") == 4  # the header and three slips, Excel's line ends


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_a_cell_a_spreadsheet_would_run_starts_with_a_quote(start):
    assert safe_cell(start + "HYPERLINK(\"http://evil\")") == "'" + start + "HYPERLINK(\"http://evil\")"
    assert safe_cell("教师" + start) == "教师" + start and safe_cell(7) == "7"


def test_formulas_in_the_names_are_written_as_text(client, make_campaign, organiser_key):
    cid = make_campaign(ready=False, title="=HYPERLINK(\"http://evil.example\",\"点我\")")
    api = lambda path, body: client.post(f"/api/v1/campaigns/{cid}{path}", json=body, headers=organiser_key)  # noqa: E731
    group = api("/groups", {"name": "@SUM(A1:A9)", "weight": 1}).json["id"]
    subject = api("/subjects", {"name": "王丽华", "kind": "person", "category": "党员"}).json["id"]
    rnd = api("/rounds", {"title": "-2+3 推荐", "kind": "recommendation"}).json["id"]
    assert api("/sections", {"round_id": rnd, "type": "approve", "title": "同意", "subject_ids": [subject]}).status_code == 201
    assert api("/transitions", {"to": "announced"}).status_code == 200, api("/transitions", {"to": "announced"}).json
    r = api("/batches", {"round_id": rnd, "group_id": group, "size": 2})
    assert r.status_code == 201
    rows = _rows(_codes(client, cid, int(r.headers["X-Batch-Id"]), organiser_key).get_data())
    for row in rows[1:]:
        assert row[1] == "'=HYPERLINK(\"http://evil.example\",\"点我\")"
        assert row[2] == "'-2+3 推荐" and row[3] == "'@SUM(A1:A9)"
        assert all(not cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in row)


def test_each_download_is_an_event_without_a_code(client, issue, announced, organiser_key, conn, app):
    batch_id, _ = issue(4)
    body = _codes(client, announced["id"], batch_id, organiser_key).get_data()
    base = app.config["SETTINGS"].base_url
    tokens = [token_of(row[4], base) for row in _rows(body)[1:]]
    (event,) = _events(conn, "batch.codes_downloaded")
    assert event["actor"] == "key:test system"
    import json
    assert json.loads(event["payload"]) == {"batch_id": batch_id, "count": 4}
    with conn.cursor() as cur:
        cur.execute("SELECT string_agg(payload || entry, ' ') AS everything FROM audit_log")
        everything = cur.fetchone()["everything"]
    for t in tokens:
        assert t not in everything and grouped(t) not in everything


def test_a_voided_batch_gives_no_codes_and_forgets_its_seed(client, issue, announced, organiser_key, conn, fingerprint):
    batch_id, _ = issue(3)
    assert client.post(f"/api/v1/campaigns/{announced['id']}/batches/{batch_id}:void",
                       headers=organiser_key).status_code == 200
    before = fingerprint()
    r = _codes(client, announced["id"], batch_id, organiser_key)
    assert r.status_code == 409 and r.json["error"]["code"] == "codes_of_voided_batch"
    assert fingerprint() == before and _events(conn, "batch.codes_downloaded") == []
    with conn.cursor() as cur:
        cur.execute("SELECT seed FROM batches WHERE id = %s", (batch_id,))
        assert cur.fetchone()["seed"] is None


def test_no_codes_once_voting_is_over_and_the_close_erases_the_seeds(client, issue, announced, organiser_key, conn):
    batch_id, _ = issue(3)
    cid = announced["id"]
    for state in ("open", "closed"):
        assert client.post(f"/api/v1/campaigns/{cid}/transitions", json={"to": state},
                           headers=organiser_key).status_code == 200
    r = _codes(client, cid, batch_id, organiser_key)
    assert r.status_code == 409 and r.json["error"]["code"] == "codes_after_voting"
    with conn.cursor() as cur:
        cur.execute("SELECT count(*) AS n FROM batches WHERE campaign_id = %s AND seed IS NOT NULL", (cid,))
        assert cur.fetchone()["n"] == 0


def test_batches_without_a_kept_seed_give_no_codes(client, announced, organiser_key, app, make_key):
    from tests.conftest import issue_tokens
    issue_tokens(app, announced["id"], announced["round"], announced["groups"][0], 2)  # as before migration 0025
    (old,) = client.get(f"/api/v1/campaigns/{announced['id']}/batches", headers=organiser_key).json
    assert old["codes_kept"] is False
    r = _codes(client, announced["id"], old["id"], organiser_key)
    assert r.status_code == 409 and r.json["error"]["code"] == "codes_not_kept"
    client.post(f"/api/v1/campaigns/{announced['id']}/transitions", json={"to": "open"}, headers=organiser_key)
    handout = client.post(f"/api/v1/campaigns/{announced['id']}/rounds/{announced['round']}/ballots:handout",
                          json={"voter_ref": "20260001", "group_id": announced["groups"][0]}, headers=make_key("handout"))
    assert handout.status_code == 201
    pool = [b for b in client.get(f"/api/v1/campaigns/{announced['id']}/batches", headers=organiser_key).json
            if b["kind"] == "handout"][0]
    r = _codes(client, announced["id"], pool["id"], organiser_key)
    assert r.status_code == 409 and r.json["error"]["code"] == "codes_not_kept"


def test_only_those_who_may_print_may_download(client, issue, announced, make_key, make_user, login):
    batch_id, _ = issue(2)
    for scope in ("results", "turnout", "audit", "handout"):
        r = _codes(client, announced["id"], batch_id, make_key(scope))
        assert r.status_code == 403 and "organise" in r.json["error"]["details"]["scopes"]
    assert _codes(client, announced["id"], batch_id, {}).status_code == 401
    assert _codes(client, announced["id"], 999999, make_key("organise")).status_code == 404
    login(make_user("viewer"))
    assert client.get(f"/admin/campaigns/{announced['id']}/batches/{batch_id}/codes").status_code == 403


def test_the_page_warns_and_asks_before_the_download(client, issue, announced, make_user, login, conn, organiser_key):
    batch_id, _ = issue(3)
    cid = announced["id"]
    token = login(make_user("organiser"))
    campaign = client.get(f"/admin/campaigns/{cid}").get_data(as_text=True)
    assert f"/admin/campaigns/{cid}/batches/{batch_id}/codes" in campaign
    page = client.get(f"/admin/campaigns/{cid}/batches/{batch_id}/codes").get_data(as_text=True)
    assert "每一行都是一张有效的选票" in page and "删除这个文件" in page and 'name="understood"' in page
    url = f"/admin/campaigns/{cid}/batches/{batch_id}/codes"
    assert client.post(url, data={"understood": "1"}).status_code in (400, 403)  # no CSRF token
    unconfirmed = client.post(url, data={"csrf_token": token}, follow_redirects=True)
    assert "请先勾选确认" in unconfirmed.get_data(as_text=True) and _events(conn, "batch.codes_downloaded") == []
    r = client.post(url, data={"csrf_token": token, "understood": "1"})
    assert r.status_code == 200 and r.headers["Cache-Control"] == "no-store"
    assert _rows(r.get_data()) == _rows(_codes(client, cid, batch_id, organiser_key).get_data())
    assert [e["actor"] for e in _events(conn, "batch.codes_downloaded")][0].startswith("user:organiser")
    client.post(f"/api/v1/campaigns/{cid}/batches/{batch_id}:void", headers=organiser_key)
    refused = client.get(url, follow_redirects=True).get_data(as_text=True)
    assert "该批次已作废，不能再下载其票码" in refused
    late = client.post(url, data={"csrf_token": token, "understood": "1"}, follow_redirects=True)
    assert "该批次已作废，不能再下载其票码" in late.get_data(as_text=True)


def test_no_code_reaches_the_server_log(gunicorn_server, client, organiser_key, make_campaign):
    base = gunicorn_server.url
    cid = make_campaign()
    client.post(f"/api/v1/campaigns/{cid}/transitions", json={"to": "announced"}, headers=organiser_key)
    c = client.get(f"/api/v1/campaigns/{cid}", headers=organiser_key).json
    import json
    req = urllib.request.Request(f"{base}/api/v1/campaigns/{cid}/batches", method="POST", data=json.dumps(
        {"round_id": c["rounds"][0]["id"], "group_id": c["groups"][0]["id"], "size": 5}).encode(),
        headers={**organiser_key, "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as r:
        batch_id = int(r.headers["X-Batch-Id"])
        r.read()
    req = urllib.request.Request(f"{base}/api/v1/campaigns/{cid}/batches/{batch_id}/codes", headers=organiser_key)
    with urllib.request.urlopen(req, timeout=60) as r:
        rows = _rows(r.read())[1:]
    assert len(rows) == 5
    log = gunicorn_server.log_path.read_text()
    assert f"/batches/{batch_id}/codes" in log  # the request was logged, its path only
    for row in rows:
        token = row[5].replace("-", "")
        assert token not in log and row[5] not in log and token.lower() not in log
