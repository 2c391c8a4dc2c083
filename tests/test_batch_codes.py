"""A new batch's codes as CSV for a print shop's mail merge (layout csv of POST …/batches): made
once, in the response that mints the batch, never again. The rows are the batch's slips (their
hashes are what the database keeps), UTF-8 with a BOM, formula-safe, never cached, a Chinese file
name; without `understood` nothing is minted; the download is an event without a code; nothing
kept, the seed included, can make the codes again; no code reaches the server's log."""
from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import urllib.parse
import urllib.request

import pytest

from ballots.tokens import grouped, token_hash
from service.issuance.codes import COLUMNS, safe_cell
from tests.helpers import errors_of, stored_hashes, token_of
from tests.polling import wait_until


def _csv_batch(client, campaign, headers, size=5, understood=True, **extra):
    body = {"round_id": campaign["round"], "group_id": campaign["groups"][0], "size": size, "layout": "csv",
            "understood": understood, "label": "印刷厂套打", **extra}
    return client.post(f"/api/v1/campaigns/{campaign['id']}/batches", json=body, headers=headers)


def _rows(body: bytes) -> list[list[str]]:
    assert body.startswith(b"\xef\xbb\xbf")  # the BOM: Excel reads the file as UTF-8
    return list(csv.reader(io.StringIO(body[3:].decode("utf-8"), newline="")))


def _events(conn, kind):
    with conn.cursor() as cur:
        cur.execute("SELECT actor, payload FROM audit_log WHERE type = %s ORDER BY chain, height", (kind,))
        rows = cur.fetchall()
    conn.commit()
    return [(r["actor"], json.loads(r["payload"])) for r in rows]


def test_the_csv_is_the_batch_its_rows_the_slips(client, announced, organiser_key, app, conn):
    r = _csv_batch(client, announced, organiser_key, size=9)
    assert r.status_code == 201, r.get_data(as_text=True)[:300]
    batch_id = int(r.headers["X-Batch-Id"])
    assert r.headers["X-Batch-Size"] == "9"
    header, *rows = _rows(r.get_data())
    assert tuple(header) == COLUMNS and len(rows) == 9
    base = app.config["SETTINGS"].base_url
    assert [row[0] for row in rows] == [str(i) for i in range(1, 10)]
    for row in rows:
        assert row[1:4] == ["2026 年度优秀党员评选", "师生推荐", "教师"]
        assert row[5] == grouped(token_of(row[4], base))  # the typed code is the QR code's ballot
    # Exactly the batch the database keeps (as hashes), no more, no fewer.
    assert {hashlib.sha256(token_of(row[4], base).encode()).digest() for row in rows} == stored_hashes(conn, batch_id)
    (listed,) = [b for b in client.get(f"/api/v1/campaigns/{announced['id']}/batches", headers=organiser_key).json
                 if b["id"] == batch_id]
    assert listed["layout"] == "csv" and listed["size"] == 9


def test_a_code_from_the_csv_votes(client, announced, organiser_key, app):
    rows = _rows(_csv_batch(client, announced, organiser_key, size=2).get_data())[1:]
    client.post(f"/api/v1/campaigns/{announced['id']}/transitions", json={"to": "open"}, headers=organiser_key)
    code = rows[0][5]
    form = client.post("/api/v1/ballots:open", json={"token": code})
    assert form.status_code == 200, form.json
    assert form.json["round"] == "师生推荐" and form.json["group"] == "教师"


def test_the_download_is_a_file_that_is_never_cached(client, announced, organiser_key):
    r = _csv_batch(client, announced, organiser_key, size=3)
    batch_id = int(r.headers["X-Batch-Id"])
    assert r.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert r.headers["Cache-Control"] == "no-store"
    disposition = r.headers["Content-Disposition"]
    assert disposition.startswith("attachment; ")
    name = urllib.parse.unquote(re.search(r"filename\*=UTF-8''(\S+)", disposition).group(1))
    assert name == f"2026 年度优秀党员评选-教师-第{batch_id}批票码.csv"
    assert f'filename="ballot-codes-{announced["id"]}-{batch_id}.csv"' in disposition  # for old clients
    assert r.get_data().count(b"\r\n") == 4  # the header and three slips, Excel's line ends


def test_without_understood_nothing_is_minted(client, announced, organiser_key, fingerprint, conn):
    before = fingerprint()
    for understood in (False, None):
        body = {"understood": understood} if understood is not None else {}
        r = client.post(f"/api/v1/campaigns/{announced['id']}/batches", headers=organiser_key, json={
            "round_id": announced["round"], "group_id": announced["groups"][0], "size": 3, "layout": "csv", **body})
        assert r.status_code == 422 and r.json["error"]["code"] == "codes_not_confirmed", r.json
    r = _csv_batch(client, announced, organiser_key, understood="yes")  # a string is not a boolean
    assert r.status_code == 422 and "understood" in r.json["error"]["details"]["fields"]
    assert fingerprint() == before
    assert _events(conn, "batch.issued") == [] and _events(conn, "batch.codes_downloaded") == []


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
    assert api("/transitions", {"to": "announced"}).status_code == 200
    r = api("/batches", {"round_id": rnd, "group_id": group, "size": 2, "layout": "csv", "understood": True})
    assert r.status_code == 201
    rows = _rows(r.get_data())
    for row in rows[1:]:
        assert row[1] == "'=HYPERLINK(\"http://evil.example\",\"点我\")"
        assert row[2] == "'-2+3 推荐" and row[3] == "'@SUM(A1:A9)"
        assert all(not cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in row)


def test_the_download_is_an_event_without_a_code(client, announced, organiser_key, conn, app):
    r = _csv_batch(client, announced, organiser_key, size=4)
    batch_id = int(r.headers["X-Batch-Id"])
    base = app.config["SETTINGS"].base_url
    tokens = [token_of(row[4], base) for row in _rows(r.get_data())[1:]]
    ((actor, issued),) = _events(conn, "batch.issued")
    assert issued["layout"] == "csv" and issued["output"] == "csv" and issued["batch_id"] == batch_id
    assert _events(conn, "batch.codes_downloaded") == [("key:test system", {"batch_id": batch_id, "count": 4})]
    with conn.cursor() as cur:
        cur.execute("SELECT string_agg(payload || entry, ' ') AS everything FROM audit_log")
        everything = cur.fetchone()["everything"]
    conn.commit()
    for t in tokens:
        assert t not in everything and grouped(t) not in everything


def test_nothing_kept_makes_the_codes_again(client, announced, organiser_key, conn, app):
    """No route gives a batch's codes later, and no column could: the batch row keeps no seed, and
    the database holds the tokens' hashes only."""
    r = _csv_batch(client, announced, organiser_key, size=3)
    batch_id = int(r.headers["X-Batch-Id"])
    tokens = [token_of(row[4], app.config["SETTINGS"].base_url) for row in _rows(r.get_data())[1:]]
    later = client.get(f"/api/v1/campaigns/{announced['id']}/batches/{batch_id}/codes", headers=organiser_key)
    assert later.status_code == 404
    with conn.cursor() as cur:
        cur.execute("SELECT column_name FROM information_schema.columns WHERE table_name = 'batches'")
        columns = {row["column_name"] for row in cur.fetchall()}
        cur.execute("SELECT * FROM batches WHERE id = %s", (batch_id,))
        batch_row = cur.fetchone()
        cur.execute("SELECT * FROM ballot_tokens WHERE batch_id = %s", (batch_id,))
        token_rows = cur.fetchall()
    conn.commit()
    assert not {"seed", "codes", "tokens"} & columns
    assert not [v for v in batch_row.values() if isinstance(v, (bytes, memoryview))]
    kept = repr(batch_row) + repr(token_rows)
    for t in tokens:
        assert t not in kept and grouped(t) not in kept
        assert bytes(token_hash(t)) in {bytes(row["token_hash"]) for row in token_rows}


def test_only_those_who_may_issue_may_get_codes(client, announced, make_key, fingerprint):
    keys = {scope: make_key(scope) for scope in ("results", "turnout", "audit", "handout")}
    before = fingerprint()
    for key in keys.values():
        r = _csv_batch(client, announced, key)
        assert r.status_code == 403 and "organise" in r.json["error"]["details"]["scopes"]
    assert _csv_batch(client, announced, {}).status_code == 401
    assert fingerprint() == before


def test_one_slip_for_two_rounds_as_csv(two_rounds, client, organiser_key, app, conn):
    r = client.post(f"/api/v1/campaigns/{two_rounds.id}/batches", headers=organiser_key, json={
        "round_id": two_rounds.rounds[0], "group_id": two_rounds.groups[0], "size": 3, "layout": "csv",
        "understood": True, "also_round_ids": [two_rounds.rounds[1]]})
    assert r.status_code == 201, r.get_data(as_text=True)[:300]
    rows = _rows(r.get_data())[1:]
    assert len(rows) == 3 and {row[2] for row in rows} == {"民主测评、优秀党员推荐"}
    batches = client.get(f"/api/v1/campaigns/{two_rounds.id}/batches", headers=organiser_key).json
    first = int(r.headers["X-Batch-Id"])
    (joint,) = [b["id"] for b in batches if b["id"] != first]
    base = app.config["SETTINGS"].base_url
    from service.issuance.operations import keys
    with app.app_context():
        sibling = keys().minter.sibling
        expected = {token_hash(sibling(token_of(row[4], base), two_rounds.rounds[1])) for row in rows}
    assert stored_hashes(conn, joint) == expected  # the second round's ballots come from the slip's code


def test_the_page_warns_and_asks_first(client, announced, make_user, login, conn, fingerprint):
    cid = announced["id"]
    token = login(make_user("organiser"))
    page = client.get(f"/admin/campaigns/{cid}").get_data(as_text=True)
    assert 'value="csv"' in page and "每一行都是一张有效的选票" in page and 'name="understood"' in page
    form = {"csrf_token": token, "_form": "issue-batch", "round_id": announced["round"],
            "group_id": announced["groups"][0], "size": 3, "layout": "csv", "label": "印刷厂"}
    before = fingerprint()
    refused = client.post(f"/admin/campaigns/{cid}/batches", data=form)
    assert refused.status_code == 422
    assert "请先勾选“我明白”" in errors_of(refused.get_data(as_text=True), "issue-batch")
    assert fingerprint() == before
    r = client.post(f"/admin/campaigns/{cid}/batches", data={**form, "understood": "1"})
    assert r.status_code == 201 and r.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert len(_rows(r.get_data())) == 4
    assert _events(conn, "batch.codes_downloaded")[0][0].startswith("user:organiser")


def test_no_code_reaches_the_server_log(gunicorn_server, client, organiser_key, make_campaign):
    base = gunicorn_server.url
    cid = make_campaign()
    client.post(f"/api/v1/campaigns/{cid}/transitions", json={"to": "announced"}, headers=organiser_key)
    c = client.get(f"/api/v1/campaigns/{cid}", headers=organiser_key).json
    req = urllib.request.Request(f"{base}/api/v1/campaigns/{cid}/batches", method="POST", data=json.dumps(
        {"round_id": c["rounds"][0]["id"], "group_id": c["groups"][0]["id"], "size": 5, "layout": "csv",
         "understood": True}).encode(), headers={**organiser_key, "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as r:
        rows = _rows(r.read())[1:]
    assert len(rows) == 5
    path = f'"POST /api/v1/campaigns/{cid}/batches"'
    # gunicorn writes the access line just after the response: wait for it (its method and path only)
    log = wait_until(lambda: (lambda t: t if path in t else None)(gunicorn_server.log_path.read_text()),
                     "the batch's access line")
    for row in rows:
        token = row[5].replace("-", "")
        assert token not in log and row[5] not in log and token.lower() not in log
