"""docs/zh/voter.html, the 投票人须知 for the back of a slip pack: Chromium prints it on one A4 page,
its text reads back, it reads on a phone, and every label it quotes in 「」 is one the voter's pages
really show (so the notice cannot drift from the app)."""
from __future__ import annotations

import re
import subprocess

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.browser

NOTICE = ROOT / "docs" / "zh" / "voter.html"


def _app_strings() -> str:
    """Everything a voter's page can say: the templates, the English table's Chinese keys, the
    errors' Chinese words."""
    files = [*(ROOT / "service" / "web" / "templates").rglob("*.html"), ROOT / "service" / "web" / "i18n.py",
             *(ROOT / "service").glob("*/errors.py")]
    return "\n".join(f.read_text(encoding="utf-8") for f in files)


def test_every_quoted_label_is_the_apps_own():
    labels = re.findall(r"「(.+?)」", NOTICE.read_text(encoding="utf-8"))
    assert len(labels) >= 10
    strings = _app_strings()
    missing = [label for label in labels if label not in strings]
    assert missing == [], f"the notice quotes labels no page shows: {missing}"


def test_the_notice_prints_on_one_a4_page_and_reads_on_a_phone(browser, phone, shots, tmp_path):
    page = browser.new_page()
    page.goto(NOTICE.as_uri())
    pdf = tmp_path / "voter.pdf"
    pdf.write_bytes(page.pdf(format="A4", print_background=True, prefer_css_page_size=True))
    page.close()
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"^Pages:\s+1$", info, re.M), info
    assert re.search(r"^Page size:.*pts \(A4\)", info, re.M), info
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    flat = re.sub(r"\s+", "", text)
    for words in ("投票人须知", "提交后不能修改", "去公告栏核对", "请勿拍照转发", "组织者联系方式"):
        assert words in flat, words
    phone.goto(NOTICE.as_uri())
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")  # no sideways scroll
    shots(phone, "80-voter-notice-phone")
