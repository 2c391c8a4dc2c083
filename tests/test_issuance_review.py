"""What review found in issuance, pinned down: row order, hand-out voiding, slip layout, odd text."""
from __future__ import annotations

import hashlib
import re
import subprocess

import pytest

from ballots import slips
from ballots.pdf import printable
from ballots.tokens import Minter, normalise
from tests.helpers import decode_pdf, token_of


def ctid_order(conn, table, column, where, params):
    with conn.cursor() as cur:
        cur.execute(f"SELECT {column} FROM {table} WHERE {where} ORDER BY ctid", params)
        return [bytes(r[column]) for r in cur.fetchall()]


def test_stored_token_order_says_nothing_of_the_slip_order(issue, conn, app, tmp_path):  # noqa: F811
    batch_id, pdf = issue(24, "slips-3x6")
    in_pdf = [hashlib.sha256(token_of(u, app.config["SETTINGS"].base_url).encode()).digest()
              for u in decode_pdf(pdf, tmp_path)]
    stored = ctid_order(conn, "ballot_tokens", "token_hash", "batch_id = %s", (batch_id,))
    assert sorted(in_pdf) == stored  # sorted by hash: the physical order is that, not the printing order


def test_handout_rows_cannot_be_paired_with_tokens_by_order(client, organiser_key, make_campaign, make_key, conn):
    cid = make_campaign()
    client.post(f"/api/v1/campaigns/{cid}/transitions", json={"to": "announced"}, headers=organiser_key)
    c = client.get(f"/api/v1/campaigns/{cid}", headers=organiser_key).json
    url = f"/api/v1/campaigns/{cid}/rounds/{c['rounds'][0]['id']}/ballots:handout"
    key = make_key("handout")
    with conn.cursor() as cur:
        cur.execute("SELECT 1")
    given = []
    for i in range(12):
        r = client.post(url, json={"voter_ref": f"S{i}", "group_id": c["groups"][0]["id"]}, headers=key)
        given.append(hashlib.sha256(normalise(r.json["code"]).encode()).digest())
    stored = ctid_order(conn, "ballot_tokens", "token_hash", "campaign_id = %s", (cid,))
    assert stored == sorted(stored)  # the pool's hashes were written sorted, not in seed order
    positions = [stored.index(h) for h in given]
    assert positions != sorted(positions)  # hand-out order is not storage order (1 in 12! by chance)
    with conn.cursor() as cur:
        cur.execute("SELECT seed FROM handout_pool WHERE campaign_id = %s ORDER BY seed", (cid,))
        left = [bytes(r["seed"]) for r in cur.fetchall()]
    assert len(left) == 38


def test_voiding_a_handout_batch_withdraws_only_its_pool(client, organiser_key, make_campaign, make_key, conn):
    cid = make_campaign()
    for state in ("announced", "open"):
        client.post(f"/api/v1/campaigns/{cid}/transitions", json={"to": state}, headers=organiser_key)
    c = client.get(f"/api/v1/campaigns/{cid}", headers=organiser_key).json
    url = f"/api/v1/campaigns/{cid}/rounds/{c['rounds'][0]['id']}/ballots:handout"
    key = make_key("handout")
    codes = [client.post(url, json={"voter_ref": f"S{i}", "group_id": c["groups"][0]["id"]},
                         headers=key).json["code"] for i in range(3)]
    (batch,) = client.get(f"/api/v1/campaigns/{cid}/batches", headers=organiser_key).json
    assert (batch["issued"], batch["pooled"], batch["cast"]) == (3, 47, 0)
    r = client.post(f"/api/v1/campaigns/{cid}/batches/{batch['id']}:void", headers=organiser_key)
    assert r.status_code == 200 and (r.json["withdrawn"], r.json["pooled"], r.json["issued"]) == (47, 0, 3)
    page = client.get(f"/b/{normalise(codes[0])}")
    assert page.status_code == 200  # a ballot already handed out still works
    again = client.post(url, json={"voter_ref": "S9", "group_id": c["groups"][0]["id"]}, headers=key)
    assert again.status_code == 201  # and a new hand-out takes a fresh pool


def _words(pdf_path):
    """Every word pdftotext finds on page 1, with its box."""
    out = subprocess.run(["pdftotext", "-bbox", "-f", "1", "-l", "1", str(pdf_path), "-"], check=True,
                         capture_output=True, text=True).stdout
    return [(float(a), float(b), float(c), float(d), w) for a, b, c, d, w in
            re.findall(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>', out)]


@pytest.mark.parametrize("layout", ["slips-2x4", "slips-3x6"])
def test_long_titles_and_names_stay_inside_their_slip_and_do_not_overlap(layout, tmp_path):
    head = slips.Heading(title="临床医学院 2026 年度先进基层党组织和优秀共产党员民主评议及师生满意度测评",
                         group="离退休教职工及附属医院返聘专家", round_title="第二轮师生满意度测评（五比五看）",
                         vote_url="pingyi.example-university.edu.cn/vote")
    m = Minter(b"k" * 32)
    path = tmp_path / "s.pdf"
    with open(path, "wb") as f:
        minted = [m.mint(77) for _ in range(8)]
        slips.write_pdf(f, minted, "https://pingyi.example-university.edu.cn", head, layout)
    cols, rows = slips.LAYOUTS[layout]
    cw, ch = 595.28 / cols, 841.89 / rows
    words = _words(path)
    assert any(re.fullmatch(r"[0-9A-Z]{4}(-[0-9A-Z]{4}){6}", w[4]) for w in words)
    for x0, y0, x1, y1, w in words:
        col, row = int(x0 // cw), int(y0 // ch)
        assert x1 <= (col + 1) * cw + 0.5 and y1 <= (row + 1) * ch + 0.5, (w, x0, y0, x1, y1)  # inside its slip
    for i, a in enumerate(words):
        for b in words[i + 1:]:
            overlap_x = min(a[2], b[2]) - max(a[0], b[0])
            overlap_y = min(a[3], b[3]) - max(a[1], b[1])
            assert not (overlap_x > 1 and overlap_y > 1), (a, b)
    decoded = decode_pdf(path.read_bytes(), tmp_path)  # a long host: version-4 codes, each read back
    assert sorted(token_of(u, "https://pingyi.example-university.edu.cn") for u in decoded) == sorted(minted)


def test_characters_beyond_the_bmp_print_as_a_box():
    assert printable("张𠮷😀") == "张□□"


def test_paper_ballots_number_sections_past_ten_and_wrap_long_rows(tmp_path):
    rows = [{"name": "王丽华", "unit": "马克思主义学院思想政治教育教研室", "commitment": ""}]
    sections = [{"type": "rating", "title": f"第{i}题", "config": {"scale": "member", "criteria": [
        "政治素质过硬、理想信念坚定", "政治素质过硬、业务能力突出", "政治素质过硬、群众评价良好"]}, "rows": rows}
        for i in range(12)]
    head = slips.Heading("标题", "教师", "测评", "x.cn/vote", sections=sections)
    path = tmp_path / "p.pdf"
    with open(path, "wb") as f:
        slips.write_pdf(f, [Minter(b"k" * 32).mint(3)], "https://x.cn", head, "paper")
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "十一、第10题" in text and "十二、第11题" in text
    assert "业务能力突出" in text.replace("\n", "")  # the criterion survives the wrapping


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


def test_full_width_typing_is_understood():
    token = Minter(b"k" * 32).mint(1)
    wide = "".join(chr(ord(ch) + 0xFEE0) for ch in token)
    assert normalise(wide[:4] + "\u3000" + wide[4:8] + "\u2013" + wide[8:]) == token
