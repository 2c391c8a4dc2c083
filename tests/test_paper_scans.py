"""Scanned paper ballots (issue 14.2, docs/paper.md): a teller uploads scans of ballots printed
by the service; the reader's sure marks become the first entry and a teller confirms them on a
screen with every box's crop; an unclear mark is flagged, not guessed, and then two tellers key
the sheet; the scans and crops are deleted once the sheet is settled, the files' hashes stay in
the audit chain."""
from __future__ import annotations

import hashlib
from pathlib import Path

import cv2
import psycopg2
import pytest

from tests.helpers import paper_scan
from tests.polling import wait_until


@pytest.fixture
def tellers(app, make_user, login):
    out = {}
    for name, role in (("a", "teller"), ("b", "teller"), ("s", "supervisor")):
        c = app.test_client()
        out[name] = (c, login(make_user(role), c))
    return out


def _upload(teller, campaign, files):
    c, csrf = teller
    from io import BytesIO
    data = {"csrf_token": csrf, "campaign_id": str(campaign.id),
            "scans": [(BytesIO(f), f"page{i + 1}.png") for i, f in enumerate(files)]}
    r = c.post("/admin/paper/scans", data=data, content_type="multipart/form-data")
    r.request.environ["wsgi.input"].close()  # the test client spooled the body to a temporary file
    assert r.status_code == 302, r.get_data(as_text=True)[:400]
    url = r.headers["Location"]
    return wait_until(lambda: (lambda j: j if j["finished"] else None)(c.get(url + "?format=json").json),
                      "the scans read", timeout=60)


def _scan_ids(database):
    with psycopg2.connect(database) as conn, conn.cursor() as cur:
        cur.execute("SELECT id FROM paper_scans ORDER BY id")
        rows = [bytes(r[0]).hex() for r in cur.fetchall()]
    conn.close()
    return rows


def test_a_scan_is_read_and_confirmed_then_its_crops_are_gone(app, full_campaign, tellers, database, settings,
                                                             organiser_key, client):
    (token,) = full_campaign.tokens(1)
    rating, approve, choose = (full_campaign.sections[k] for k in ("rating", "approve", "choose"))
    orgs, people = full_campaign.orgs, full_campaign.people
    marks = [(rating, str(orgs[0]), "满意"), (rating, str(orgs[1]), "不满意"), (approve, str(people[0]), "赞成"),
             (choose, "subject", people[1])]
    files = paper_scan(app, full_campaign, token, marks)
    job = _upload(tellers["a"], full_campaign, files)
    assert job["problems"] == [] and job["sheets"] == 1 and job["done"] == job["total"] == len(files)
    (scan_id,) = _scan_ids(database)
    scans_dir = Path(settings.var_dir) / "paper-scans"
    assert (scans_dir / scan_id).exists()
    assert b"\x89PNG" not in (scans_dir / scan_id).read_bytes()  # sealed, not the picture
    own, own_csrf = tellers["a"]  # the uploader does not confirm the reading of their own upload
    alone = own.post("/admin/paper/enter", data={"csrf_token": own_csrf, "code": token}, follow_redirects=True)
    assert "须由另一位计票人完成" in alone.get_data(as_text=True)
    c, csrf = tellers["b"]
    index = c.get("/admin/paper").get_data(as_text=True)
    assert "扫描读入、待确认（1 张）" in index
    screen = c.get(f"/admin/paper/scans/{scan_id}").get_data(as_text=True)
    assert "确认即为第二次录入" in screen and screen.count('class="crop"') >= 10 and "按扫描识读预填" in screen
    assert 'value="满意" checked' in screen.replace("\n", " ") or 'value="满意"  checked' in screen
    fields = {"csrf_token": csrf, "code": token, f"s{rating}:{orgs[0]}": "满意", f"s{rating}:{orgs[1]}": "不满意",
              f"s{approve}:{people[0]}": "赞成", f"s{choose}:chosen": str(people[1])}
    told = c.post("/admin/paper/enter", data=fields, follow_redirects=True).get_data(as_text=True)
    assert "两次录入一致，已计入" in told
    assert _scan_ids(database) == [] and not (scans_dir / scan_id).exists()
    with psycopg2.connect(database) as conn, conn.cursor() as cur:
        cur.execute("SELECT payload FROM audit_log WHERE type = 'paper.scans_uploaded'")
        (payload,) = cur.fetchone()
    conn.close()
    assert all(hashlib.sha256(f).hexdigest() in payload for f in files)
    assert client.post(f"/api/v1/campaigns/{full_campaign.id}/transitions", json={"to": "closed"},
                       headers=organiser_key).status_code == 200
    with psycopg2.connect(database) as conn, conn.cursor() as cur:
        cur.execute("SELECT answers FROM ballots WHERE source = 'paper'")
        (answers,) = cur.fetchone()
    conn.close()
    assert answers == {str(rating): {str(orgs[0]): "满意", str(orgs[1]): "不满意"},
                       str(approve): {str(people[0]): "赞成"}, str(choose): {"chosen": [people[1]]}}


def test_an_unclear_mark_is_flagged_and_two_tellers_key_the_sheet(app, full_campaign, tellers, database, client,
                                                                  organiser_key):
    (token,) = full_campaign.tokens(1)
    rating, orgs = full_campaign.sections["rating"], full_campaign.orgs
    files = paper_scan(app, full_campaign, token, [(rating, str(orgs[0]), "满意")], dots=[(rating, str(orgs[2]), "不了解")])
    assert _upload(tellers["a"], full_campaign, files)["sheets"] == 1
    (scan_id,) = _scan_ids(database)
    with psycopg2.connect(database) as conn, conn.cursor() as cur:
        cur.execute("SELECT flagged FROM paper_scans")
        assert cur.fetchone()[0] >= 1
        cur.execute("SELECT state FROM paper_sheets")
        assert cur.fetchall() == [("claimed",)]  # a flagged reading is no entry, only a prefill; its token is spent
        cur.execute("SELECT count(*) FROM ballot_tokens")
        assert cur.fetchone()[0] == 0
    conn.close()
    refused = client.post(f"/api/v1/campaigns/{full_campaign.id}/transitions", json={"to": "closed"},
                          headers=organiser_key)
    assert refused.status_code == 409 and refused.json["error"]["details"]["pending"] == 1  # a scan not yet keyed
    c, csrf = tellers["a"]
    screen = c.get(f"/admin/paper/scans/{scan_id}").get_data(as_text=True)
    assert "（第一次录入）" in screen and "请人工确认" in screen and 'class="card q q-rating flagged"' in screen
    fields = {"code": token, f"s{rating}:{orgs[0]}": "满意", f"s{rating}:{orgs[2]}": "不了解"}
    assert "第一次录入已保存" in c.post("/admin/paper/enter", data={"csrf_token": csrf, **fields},
                                       follow_redirects=True).get_data(as_text=True)
    c2, csrf2 = tellers["b"]
    assert "已计入" in c2.post("/admin/paper/enter", data={"csrf_token": csrf2, **fields},
                              follow_redirects=True).get_data(as_text=True)
    assert _scan_ids(database) == []


def test_a_file_that_is_no_pdf_is_refused_with_words(full_campaign, tellers, fingerprint):
    from io import BytesIO
    c, csrf = tellers["a"]
    before = fingerprint()
    r = c.post("/admin/paper/scans", data={"csrf_token": csrf, "campaign_id": str(full_campaign.id),
                                           "scans": [(BytesIO(b"%PDF-1.4 junk"), "x.pdf")]},
               content_type="multipart/form-data", follow_redirects=True)
    assert r.status_code == 200 and "无法读取" in r.get_data(as_text=True)
    assert fingerprint() == before


def test_a_page_that_is_no_ballot_is_reported_and_nothing_is_kept(app, full_campaign, tellers, database):
    blank = cv2.imencode(".png", 255 * __import__("numpy").ones((400, 300), "uint8"))[1].tobytes()
    job = _upload(tellers["a"], full_campaign, [blank, b"not an image"])
    assert job["sheets"] == 0 and [p["page"] for p in job["problems"]] == [1, 2]
    assert "二维码" in job["problems"][0]["problem"]
    assert _scan_ids(database) == []


def test_an_upload_over_its_limit_or_without_the_permission_changes_nothing(app, full_campaign, tellers, make_user,
                                                                            login, fingerprint, monkeypatch):
    import dataclasses
    from io import BytesIO
    c, csrf = tellers["a"]
    viewer = app.test_client()
    v_csrf = login(make_user("viewer"), viewer)
    before = fingerprint()
    monkeypatch.setitem(app.config, "SETTINGS", dataclasses.replace(app.config["SETTINGS"], scan_max_bytes=4096))
    big = c.post("/admin/paper/scans", data={"csrf_token": csrf, "campaign_id": str(full_campaign.id),
                                             "scans": [(BytesIO(b"\x89PNG" + b"0" * 8000), "big.png")]},
                 content_type="multipart/form-data")
    assert big.status_code == 413 and "内容过大" in big.get_data(as_text=True)
    big.request.environ["wsgi.input"].close()
    refused = viewer.post("/admin/paper/scans", data={"csrf_token": v_csrf, "campaign_id": str(full_campaign.id),
                                                      "scans": [(BytesIO(b"x"), "x.png")]},
                          content_type="multipart/form-data")
    assert refused.status_code == 403
    assert viewer.get("/admin/paper").status_code == 403
    assert fingerprint() == before
