"""Ballot issuance: printed batches whose every QR code decodes to its ballot, voiding, and
the guarantees around tokens (forgeries refused without a query, nothing stored in plain)."""
from __future__ import annotations

import hashlib
import io
import re

import pytest
import zxingcpp
from PIL import Image, ImageFilter

from ballots import qr, slips
from ballots.tokens import ALPHABET, Minter
from service.core import db as dbmod
from tests.helpers import ctid_order, decode_pdf, stored_hashes, token_of


@pytest.mark.parametrize("layout,size", [("slips-2x4", 19), ("slips-3x6", 40), ("paper", 3)])
def test_every_qr_code_in_the_pdf_decodes_to_an_issued_ballot(issue, conn, app, tmp_path, layout, size):
    batch_id, pdf = issue(size, layout)
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
    urls = decode_pdf(pdf, tmp_path)
    base = app.config["SETTINGS"].base_url
    tokens = [token_of(u, base) for u in urls]
    assert len(tokens) == size  # one code per ballot, each decoded once
    assert {hashlib.sha256(t.encode()).digest() for t in tokens} == stored_hashes(conn, batch_id)


def test_a_single_png_survives_a_phone_cameras_view(issue, conn, app):
    batch_id, png = issue(1, "png")
    image = Image.open(io.BytesIO(png)).convert("L").resize((300, 300), Image.Resampling.BILINEAR)
    image = image.filter(ImageFilter.GaussianBlur(1.0)).rotate(10, expand=True, fillcolor=255)
    (found,) = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
    token = token_of(found.text, app.config["SETTINGS"].base_url)
    assert {hashlib.sha256(token.encode()).digest()} == stored_hashes(conn, batch_id)


def test_a_single_svg_holds_the_code(issue, conn, app):
    """Paint the SVG's path (runs of `M x y h w v1 h-w z`) module by module, decode the picture
    with zxing-cpp, and compare its ballot with the stored hash and with the caption."""
    import xml.etree.ElementTree as ET

    from ballots.tokens import grouped
    batch_id, svg = issue(1, "svg")
    root = ET.fromstring(svg.decode())
    ns = {"s": "http://www.w3.org/2000/svg"}
    (path,) = root.findall("s:path", ns)
    width = int(root.get("viewBox").split()[2])
    image = Image.new("L", (width, width), 255)
    runs = re.findall(r"M(\d+) (\d+)h(\d+)v1h-(\d+)z", path.get("d"))
    assert runs and "".join(f"M{x} {y}h{w}v1h-{w}z" for x, y, w, _ in runs) == path.get("d")
    for x, y, w, _ in runs:
        for dx in range(int(w)):
            image.putpixel((int(x) + dx, int(y)), 0)
    (found,) = zxingcpp.read_barcodes(image.resize((width * 8, width * 8), Image.Resampling.NEAREST),
                                      formats=zxingcpp.BarcodeFormat.QRCode)
    token = token_of(found.text, app.config["SETTINGS"].base_url)
    assert {hashlib.sha256(token.encode()).digest()} == stored_hashes(conn, batch_id)
    (caption,) = root.findall("s:text", ns)
    assert caption.text == grouped(token)  # the typable code under the picture is the same ballot


def test_the_ballot_url_on_a_30_character_host_is_version_4_or_less_at_level_m():
    import qrcode

    from ballots.slips import ballot_url
    host = "https://" + "pingyi.example-university.edu.cn"[:30]
    assert len(host) - len("https://") == 30
    url = ballot_url(host, Minter(b"k" * 32).mint(123456))
    assert qr.smallest_version(len(url)) <= 4
    reference = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M)
    reference.add_data(url)
    reference.make(fit=True)
    assert reference.version <= 4  # the qrcode library agrees, choosing its own mode
    assert qr.matrix(url, mask=0) == qr.Encoder(qr.smallest_version(len(url)), "M", 0).matrix(url)


def test_forged_and_mutated_codes_are_refused_without_a_database_query(client, issue, app, tmp_path,
                                                                       monkeypatch):
    from service.core import ratelimit
    monkeypatch.setattr(ratelimit, "LIMIT_PER_MINUTE", 10**9)  # here: the MAC check, not the rate limit
    _batch, pdf = issue(4, "slips-3x6")
    base = app.config["SETTINGS"].base_url
    valid = [token_of(u, base) for u in decode_pdf(pdf, tmp_path)]
    import secrets as s

    import psycopg2
    queries = {"n": 0}
    # Every statement needs a cursor, and every connection comes from the pool (db.Connection)
    # or from psycopg2.connect: count both, whatever path a view takes to the database.
    real_cursor, real_connect = dbmod.Connection.cursor, psycopg2.connect

    def counting_cursor(self, *args, **kwargs):
        queries["n"] += 1
        return real_cursor(self, *args, **kwargs)

    def counting_connect(*args, **kwargs):
        queries["n"] += 1
        return real_connect(*args, **kwargs)
    monkeypatch.setattr(dbmod.Connection, "cursor", counting_cursor)
    monkeypatch.setattr(psycopg2, "connect", counting_connect)

    forged = ["".join(s.choice(ALPHABET) for _ in range(28)) for _ in range(10_000)]
    mutated = []
    for i in range(10_000):
        t = valid[i % len(valid)]
        pos = s.randbelow(28)
        mutated.append(t[:pos] + s.choice(ALPHABET.replace(t[pos], "")) + t[pos + 1:])
    for code in forged + mutated:
        r = client.get(f"/b/{code}")
        assert r.status_code == 404
    # Every other way a code comes in: the ballot form's POST, typing it at /vote, the JSON API.
    for code in forged[:300] + mutated[:300]:
        assert client.post(f"/b/{code}", data={}).status_code == 404
        assert client.post("/vote", data={"code": code}).status_code == 400
        assert client.post("/api/v1/ballots:open", json={"token": code}).status_code == 404
        assert client.post("/api/v1/ballots:cast", json={"token": code, "answers": {}}).status_code == 404
    assert queries["n"] == 0
    assert client.get(f"/b/{valid[0]}").status_code == 409  # a real ballot: voting not open yet
    assert queries["n"] > 0  # the counter does see the database when a code checks out


def test_batches_are_listed_with_counts_and_can_be_voided(client, organiser_key, announced, issue, app, tmp_path,
                                                        conn):
    b1, pdf = issue(8)
    b2, _ = issue(3, group=1, label="学生座谈")
    url = f"/api/v1/campaigns/{announced['id']}"
    listed = {b["id"]: b for b in client.get(url + "/batches", headers=organiser_key).json}
    assert listed[b1]["size"] == 8 and listed[b1]["unused"] == 8 and listed[b1]["printed"] == 8
    assert listed[b2]["label"] == "学生座谈" and listed[b2]["cast"] == 0
    code = token_of(decode_pdf(pdf, tmp_path)[0], app.config["SETTINGS"].base_url)
    lost = "-".join(code[i:i + 4] for i in range(0, 28, 4)).lower()
    r = client.post(url + "/ballots:void", json={"code": lost}, headers=organiser_key)
    assert r.status_code == 200 and r.json == {"batch_id": b1, "voided": True}
    again = client.post(url + "/ballots:void", json={"code": lost}, headers=organiser_key)
    assert again.status_code == 409 and again.json["error"]["code"] == "already_voided"
    assert client.get(f"/b/{code}").status_code == 409  # the voter sees "voided"
    bad = client.post(url + "/ballots:void", json={"code": "0001-XXXX"}, headers=organiser_key)
    assert bad.status_code == 422
    r = client.post(url + f"/batches/{b2}:void", headers=organiser_key)
    assert r.status_code == 200 and r.json["voided"] == 3 and r.json["unused"] == 0 and r.json["voided_at"]
    assert client.post(url + f"/batches/{b2}:void", headers=organiser_key).status_code == 409
    one = client.get(url + f"/batches/{b1}", headers=organiser_key).json
    assert (one["unused"], one["voided"], one["cast"]) == (7, 1, 0)
    events = [e["action"] for e in client.get(url + "/events", headers=organiser_key).json]
    for action in ("batch.issued", "batch.printed", "ballot.voided", "batch.voided"):
        assert action in events


def test_batch_counts_follow_real_casts(client, organiser_key, full_campaign, app, tmp_path, make_key):
    """cast = issued − unused − voided, for a printed batch and for a hand-out batch, after real
    casts through the API (never a counter that could drift)."""
    url = f"/api/v1/campaigns/{full_campaign.id}"
    r = client.post(url + "/batches", headers=organiser_key, json={
        "round_id": full_campaign.round, "group_id": full_campaign.groups[0], "size": 6, "layout": "slips-3x6"})
    assert r.status_code == 201
    printed = int(r.headers["X-Batch-Id"])
    codes = [token_of(u, app.config["SETTINGS"].base_url) for u in decode_pdf(r.get_data(), tmp_path)]
    for code in codes[:3]:
        assert client.post("/api/v1/ballots:cast", json={"token": code, "answers": {}}).status_code == 201
    assert client.post(url + "/ballots:void", json={"code": codes[3]}, headers=organiser_key).status_code == 200
    handout = f"{url}/rounds/{full_campaign.round}/ballots:handout"
    key = make_key("handout")
    handed = [client.post(handout, json={"voter_ref": ref, "group_id": full_campaign.groups[1]}, headers=key).json
              for ref in ("T1", "T2")]
    token = handed[0]["url"].rsplit("/", 1)[1]
    assert client.post("/api/v1/ballots:cast", json={"token": token, "answers": {}}).status_code == 201
    listed = {b["id"]: b for b in client.get(url + "/batches", headers=organiser_key).json}
    one = listed[printed]
    assert (one["issued"], one["cast"], one["voided"], one["unused"]) == (6, 3, 1, 2)
    (pool,) = [b for b in listed.values() if b["kind"] == "handout"]
    assert (pool["issued"], pool["cast"]) == (2, 1)


def test_issuing_needs_an_announced_or_open_campaign(client, organiser_key, make_campaign, fingerprint):
    cid = make_campaign()
    c = client.get(f"/api/v1/campaigns/{cid}", headers=organiser_key).json
    body = {"round_id": c["rounds"][0]["id"], "group_id": c["groups"][0]["id"], "size": 5}
    before = fingerprint()
    r = client.post(f"/api/v1/campaigns/{cid}/batches", json=body, headers=organiser_key)
    assert r.status_code == 409 and r.json["error"]["code"] == "wrong_state" and "draft" in r.json["error"]["message"]
    assert fingerprint() == before
    for state in ("announced", "open", "closed"):
        client.post(f"/api/v1/campaigns/{cid}/transitions", json={"to": state}, headers=organiser_key)
    r = client.post(f"/api/v1/campaigns/{cid}/batches", json=body, headers=organiser_key)
    assert r.status_code == 409 and "closed" in r.json["error"]["message"]


def test_foreign_rounds_groups_and_oversized_batches_are_refused(client, organiser_key, announced, make_campaign,
                                                                fingerprint):
    other = make_campaign()
    og = client.get(f"/api/v1/campaigns/{other}", headers=organiser_key).json["groups"][0]["id"]
    url = f"/api/v1/campaigns/{announced['id']}/batches"
    before = fingerprint()
    r = client.post(url, json={"round_id": announced["round"], "group_id": og, "size": 5}, headers=organiser_key)
    assert r.status_code == 422 and "group_id" in r.json["error"]["details"]["fields"]
    r = client.post(url, json={"round_id": announced["round"], "group_id": announced["groups"][0],
                               "size": 20001}, headers=organiser_key)
    assert r.status_code == 422
    r = client.post(url, json={"round_id": announced["round"], "group_id": announced["groups"][0],
                               "size": 2, "layout": "png"}, headers=organiser_key)
    assert r.status_code == 422 and "size" in r.json["error"]["details"]["fields"]
    assert fingerprint() == before


def test_the_vote_page_turns_a_typed_code_into_the_ballot(client, issue, app, tmp_path):
    _b, pdf = issue(2, "slips-3x6")
    code = token_of(decode_pdf(pdf, tmp_path)[0], app.config["SETTINGS"].base_url)
    page = client.get("/vote")
    assert "输入票码" in page.get_data(as_text=True)
    from tests.conftest import _csrf
    typed = " ".join(code[i:i + 4] for i in range(0, 28, 4)).lower().replace("1", "l").replace("0", "o")
    r = client.post("/vote", data={"code": typed, "csrf_token": _csrf(client)})
    assert r.status_code == 303 and r.headers["Location"].endswith(f"/b/{code}")
    ballot = client.get(r.headers["Location"])
    assert ballot.status_code == 409 and "投票尚未开始" in ballot.get_data(as_text=True)
    assert ballot.headers["Cache-Control"] == "no-store" and ballot.headers["Referrer-Policy"] == "no-referrer"
    wrong = client.post("/vote", data={"code": code[:-1] + ("A" if code[-1] != "A" else "B"),
                                       "csrf_token": _csrf(client)})
    assert wrong.status_code == 400 and "票码无效" in wrong.get_data(as_text=True)


def test_the_pdf_is_written_page_by_page():
    """The writer hands out chunks as it goes: the first arrives before all slips are made."""
    from ballots.slips import Heading, iter_pdf

    made = {"n": 0}

    def tokens():
        m = Minter(b"k" * 32)
        for _ in range(80):
            made["n"] += 1
            yield m.mint(5)
    chunks = iter_pdf(tokens(), "HTTPS://X.CN", Heading("标题", "教师", "测评", "x.cn/vote"), "slips-2x4")
    first = next(chunks)
    assert first.startswith(b"%PDF-") and made["n"] <= 9
    rest = b"".join(chunks)
    assert made["n"] == 80 and rest.endswith(b"%%EOF\n")


def test_pdf_xref_offsets_are_right(issue):
    """Every object the cross-reference table points at starts where it says."""
    _b, pdf = issue(9, "slips-2x4")
    xref = pdf.rindex(b"\nxref\n") + 1
    count = int(re.match(rb"xref\n0 (\d+)\n", pdf[xref:]).group(1))
    entries = pdf[xref:].split(b"\n")[3:3 + count - 1]
    for n, entry in enumerate(entries, start=1):
        offset = int(entry[:10])
        assert pdf[offset:].startswith(b"%d 0 obj" % n), n


def test_stored_token_order_says_nothing_of_the_slip_order(issue, conn, app, tmp_path):  # noqa: F811
    batch_id, pdf = issue(24, "slips-3x6")
    in_pdf = [hashlib.sha256(token_of(u, app.config["SETTINGS"].base_url).encode()).digest()
              for u in decode_pdf(pdf, tmp_path)]
    stored = ctid_order(conn, "ballot_tokens", "token_hash", "batch_id = %s", (batch_id,))
    assert sorted(in_pdf) == stored  # sorted by hash: the physical order is that, not the printing order


def test_the_qr_url_keeps_a_base_paths_case():
    assert slips.ballot_url("https://host.edu.cn/pingyi/", "T0K") == "HTTPS://HOST.EDU.CN/pingyi/B/T0K"
    assert slips.ballot_url("https://host.edu.cn", "T0K") == "HTTPS://HOST.EDU.CN/B/T0K"


def test_a_paper_batch_for_a_group_without_sections_is_refused(client, organiser_key, make_campaign):
    cid = make_campaign()
    c = client.get(f"/api/v1/campaigns/{cid}", headers=organiser_key).json
    sec = c["rounds"][0]["sections"][0]
    client.put(f"/api/v1/campaigns/{cid}/sections/{sec['id']}", headers=organiser_key, json={
        "round_id": c["rounds"][0]["id"], "type": "choose", "title": sec["title"], "config": {"max_choices": 2},
        "group_ids": [c["groups"][0]["id"]]})
    client.post(f"/api/v1/campaigns/{cid}/transitions", json={"to": "announced"}, headers=organiser_key)
    r = client.post(f"/api/v1/campaigns/{cid}/batches", headers=organiser_key, json={
        "round_id": c["rounds"][0]["id"], "group_id": c["groups"][1]["id"], "size": 2, "layout": "paper"})
    assert r.status_code == 422 and "group_id" in r.json["error"]["details"]["fields"]
