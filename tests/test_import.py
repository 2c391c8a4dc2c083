"""Subject import from CSV and XLSX: headings in Chinese, per-row error reports, all or nothing."""
from __future__ import annotations

import dataclasses
import io

from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from tests.helpers import GOOD, upload, xlsx


def test_xlsx_import(client, organiser_key, make_campaign):
    cid = make_campaign(ready=False)
    r = upload(client, cid, organiser_key, xlsx(GOOD), "名单.xlsx")
    assert r.status_code == 201, r.json
    assert r.json["imported"] == 3
    subjects = client.get(f"/api/v1/campaigns/{cid}/subjects", headers=organiser_key).json
    assert [(s["name"], s["kind"], s["category"]) for s in subjects] == [
        ("临床医学系党支部", "organisation", "基层党组织"), ("王丽华", "person", "教职工优秀党员"),
        ("张敏", "person", "学生优秀党员")]
    assert subjects[0]["commitment"] == "每月义诊一次"


def test_csv_import_in_utf8_with_bom_and_in_gb18030(client, organiser_key, make_campaign):
    text = "\n".join(",".join(c or "" for c in row) for row in GOOD)
    for encoding, cid in (("utf-8-sig", make_campaign(ready=False)), ("gb18030", make_campaign(ready=False))):
        r = upload(client, cid, organiser_key, text.encode(encoding), "list.csv")
        assert r.status_code == 201, (encoding, r.json)
        assert r.json["subjects"][1]["name"] == "王丽华"


def test_bad_rows_are_all_reported_and_nothing_is_imported(client, organiser_key, make_campaign, fingerprint):
    cid = make_campaign(ready=False)
    rows = GOOD + [["", "个人", "x", "y", ""], ["李四", "机器人", "", "", ""], ["王丽华", "个人", "", "护理系", ""],
                   ["名" * 101, "个人", "", "", ""]]
    before = fingerprint()
    r = upload(client, cid, organiser_key, xlsx(rows), "bad.xlsx")
    assert r.status_code == 422 and r.json["error"]["code"] == "import_failed"
    report = r.json["error"]["details"]["rows"]
    assert set(report) == {"5", "6", "7", "8"}
    assert "name" in report["5"] and "kind" in report["6"] and "row 3" in str(report["7"]) and "name" in report["8"]
    assert fingerprint() == before


def test_a_clash_with_existing_subjects_rolls_back(client, organiser_key, make_campaign, fingerprint):
    cid = make_campaign(ready=False)
    client.post(f"/api/v1/campaigns/{cid}/subjects", json={"name": "张敏", "kind": "person", "unit": "护理系"},
                headers=organiser_key)
    before = fingerprint()
    r = upload(client, cid, organiser_key, xlsx(GOOD), "名单.xlsx")
    assert r.status_code == 422 and "4" in r.json["error"]["details"]["rows"]
    assert fingerprint() == before


def test_unreadable_and_oversized_files(client, app, organiser_key, make_campaign, fingerprint):
    cid = make_campaign(ready=False)
    before = fingerprint()
    for data, name in ((b"PK\x03\x04 not really", "x.xlsx"), (b"a,b", "x.txt"), (b"", "x.csv"),
                       (b"\xff\xfe\xfa\x00\x81", "x.csv"), ("类型,单位\n个人,x".encode(), "x.csv")):
        r = upload(client, cid, organiser_key, data, name)
        assert r.status_code == 422, (name, r.json)
        assert r.json["error"]["code"] == "import_failed"
    limit = app.config["SETTINGS"].upload_max_bytes
    r = upload(client, cid, organiser_key, b"x" * (limit + 10), "big.csv")
    assert r.status_code == 413 and r.json["error"]["code"] == "payload_too_large"
    r = client.post(f"/api/v1/campaigns/{cid}/subjects:import", headers=organiser_key, json={"file": "x"})
    assert r.status_code == 422
    assert fingerprint() == before


def test_a_workbook_that_unpacks_to_gigabytes_is_refused_before_it_is_opened(client, organiser_key,
                                                                          make_campaign, fingerprint):
    """A zip bomb: 200 MB of one repeated byte in sharedStrings.xml packs into a few hundred KB."""
    import zipfile
    cid = make_campaign(ready=False)
    good = zipfile.ZipFile(io.BytesIO(xlsx(GOOD)))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name in good.namelist():  # a real workbook, plus one huge member
            z.writestr(name, good.read(name))
        with z.open("xl/sharedStrings2.xml", "w", force_zip64=True) as big:
            chunk = b"a" * (1 << 20)
            for _ in range(200):
                big.write(chunk)
    data = buf.getvalue()
    assert len(data) < 1_000_000
    before = fingerprint()
    r = upload(client, cid, organiser_key, data, "bomb.xlsx")
    assert r.status_code == 422 and r.json["error"]["code"] == "import_failed"
    assert "unpacks to" in r.json["error"]["message"]
    assert fingerprint() == before


def test_csv_with_a_huge_field_or_a_nul_is_refused(client, organiser_key, make_campaign, fingerprint):
    cid = make_campaign(ready=False)
    before = fingerprint()
    huge = ("名称\n" + "x" * 200_000 + "\n").encode()
    r = upload(client, cid, organiser_key, huge, "a.csv")
    assert r.status_code == 422 and r.json["error"]["code"] == "import_failed"
    r = upload(client, cid, organiser_key, "名称\n张\x00三\n".encode(), "a.csv")
    assert r.status_code == 422 and "2" in r.json["error"]["details"]["rows"]
    assert fingerprint() == before


def test_an_upload_over_the_limit_is_refused_not_shortened(client, app, make_user, login, make_campaign,
                                                          fingerprint, monkeypatch):
    cid = make_campaign(ready=False)
    token = login(make_user("organiser"))
    settings = app.config["SETTINGS"]
    rows = "名称\n" + "".join(f"人员{i:03d}\n" for i in range(200))
    data = rows.encode()
    before = fingerprint()
    small = dataclasses.replace(settings, upload_max_bytes=len(data) - 10)
    monkeypatch.setitem(app.config, "SETTINGS", small)
    boundary, body = encode_multipart({"file": FileStorage(io.BytesIO(data), "list.csv"), "csrf_token": token})
    r = client.post(f"/admin/campaigns/{cid}/subjects/import", data=body,
                    content_type=f"multipart/form-data; boundary={boundary}")
    assert r.status_code == 302
    page = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "文件超过大小上限" in page
    assert fingerprint() == before


def test_an_xlsx_over_the_row_cap_is_refused(client, organiser_key, make_campaign, monkeypatch):
    from service.campaigns import imports
    monkeypatch.setattr(imports, "MAX_ROWS", 2)
    cid = make_campaign(ready=False)
    r = upload(client, cid, organiser_key, xlsx(GOOD), "x.xlsx")  # three rows
    assert r.status_code == 422 and "at most 2 rows" in r.json["error"]["message"]
