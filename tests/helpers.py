"""Helpers the test modules share (plain functions and data; fixtures live in conftest.py).
A test module never imports another test module: tests/test_house.py checks it."""
from __future__ import annotations

import io
import subprocess

import zxingcpp
from openpyxl import Workbook
from PIL import Image
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from ballots.tokens import normalise
from tests.conftest import _csrf


def stored_hashes(conn, batch_id) -> set[bytes]:
    with conn.cursor() as cur:
        cur.execute("SELECT token_hash FROM ballot_tokens WHERE batch_id = %s", (batch_id,))
        return {bytes(r["token_hash"]) for r in cur.fetchall()}


def decode_pdf(pdf: bytes, tmp_path, dpi=150) -> list[str]:
    """Rasterise every page with pdftoppm and decode every QR code on it with zxing-cpp."""
    (tmp_path / "b.pdf").write_bytes(pdf)
    rasterise(tmp_path / "b.pdf", tmp_path / "p", dpi)
    texts = []
    for page in sorted(tmp_path.glob("p-*.png")):
        found = zxingcpp.read_barcodes(Image.open(page).convert("L"), formats=zxingcpp.BarcodeFormat.QRCode)
        texts += [b.text for b in found]
    return texts


def rasterise(pdf_path, out_prefix, dpi=150, *extra):
    """pdftoppm, which must draw every glyph: it names any font or CMap it cannot find (the Chinese
    text would be left out of the picture, and a decoded QR code would not notice)."""
    r = subprocess.run(["pdftoppm", "-r", str(dpi), "-png", *extra, str(pdf_path), str(out_prefix)],
                       capture_output=True, text=True, check=True)
    assert "Error" not in r.stderr and "font" not in r.stderr.lower(), r.stderr


def token_of(url: str, base_url: str) -> str:
    prefix = base_url.upper() + "/B/"
    assert url.startswith(prefix), url
    return normalise(url[len(prefix):])


def xlsx(rows) -> bytes:
    wb = Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def upload(client, cid, headers, data: bytes, filename: str):
    # Encoded here rather than by the test client, whose spooled temp file for a large
    # body stays open when the app refuses it unread.
    boundary, body = encode_multipart({"file": FileStorage(io.BytesIO(data), filename)})
    return client.post(f"/api/v1/campaigns/{cid}/subjects:import", headers=headers, data=body,
                       content_type=f"multipart/form-data; boundary={boundary}")


GOOD = [
    ["名称", "类型", "类别", "单位", "公开承诺"],
    ["临床医学系党支部", "组织", "基层党组织", "临床医学系", "每月义诊一次"],
    ["王丽华", "个人", "教职工优秀党员", "护理系", "带头学习提高"],
    ["张敏", "党员", "学生优秀党员", "护理系", None],
]


BOGUS_2026 = "year = 2026\nholidays = 2026-12-21..2026-12-23\nworkdays = 2026-12-26\n"


SCHEDULE_2027 = """\
# 国务院办公厅关于2027年部分节假日安排的通知（测试数据）
year = 2027
source = 测试数据：仿照国务院办公厅通知
# 放假（连同其中的周末）
holidays = 2027-01-01..2027-01-03            # 元旦
holidays = 2027-02-05..2027-02-13            # 春节
放假 = 2027年4月3日 至 2027年4月5日          # 清明节：中文写法也可以
holidays = 2027-05-01..2027-05-05, 2027-06-09, 2027-09-15
holidays = 2027-10-01..2027-10-07            # 国庆节
# 调休上班
workdays = 2027-02-20, 2027-05-08
上班：2027-09-26、2027-10-09
"""


def sign_in(client, username, password, address="127.0.0.1"):
    """A sign-in from the given client address (the throttle's key; never stored)."""
    client.get("/login", environ_base={"REMOTE_ADDR": address})
    return client.post("/login", data={"username": username, "password": password, "csrf_token": _csrf(client)},
                       environ_base={"REMOTE_ADDR": address})


def ctid_order(conn, table, column, where, params):
    with conn.cursor() as cur:
        cur.execute(f"SELECT {column} FROM {table} WHERE {where} ORDER BY ctid", params)
        return [bytes(r[column]) for r in cur.fetchall()]
