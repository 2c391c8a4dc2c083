"""Reports to file (issue 13 part 6): the results PDF, the 公示 notice, the XLSX 汇总表 and the
existing exports open in LibreOffice, read back equal to the API's JSON, and the PDFs carry their
font embedded."""
from __future__ import annotations

import subprocess

import pytest

from tests import reports_campaign


@pytest.fixture
def campaign(client, organiser_key):
    return reports_campaign.build(client, organiser_key)


def pdffonts(path) -> list[dict]:
    lines = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout.splitlines()
    head = lines[0].split()
    return [dict(zip(head[:2] + ["encoding", "emb", "sub", "uni"], line.split()[:1] + line.split()[-7:-2]))
            for line in lines[2:]]


def test_the_results_pdf_embeds_a_subset_of_noto_sans_cjk(client, organiser_key, campaign, tmp_path):
    r = client.get(f"/api/v1/campaigns/{campaign['id']}/results.pdf", headers=organiser_key)
    assert r.status_code == 200
    (tmp_path / "r.pdf").write_bytes(r.data)
    fonts = pdffonts(tmp_path / "r.pdf")
    assert fonts and all(f["emb"] == "yes" and f["sub"] == "yes" and f["uni"] == "yes" for f in fonts), fonts
    assert all(f["name"].endswith("+NotoSansCJKsc-Regular") for f in fonts)


def test_without_the_font_the_report_falls_back_to_stsong_and_says_so(monkeypatch, caplog, tmp_path):
    import io

    from ballots import fonts
    from ballots.report import write_report
    monkeypatch.setattr(fonts, "CANDIDATES", (str(tmp_path / "none.ttc"),))
    monkeypatch.delenv("PINGYI_REPORT_FONT", raising=False)
    buf = io.BytesIO()
    with caplog.at_level("WARNING", logger="ballots.fonts"):
        write_report(buf, "测试", [], "2026-12-03 10:00")
    assert "not embedded" in caplog.text
    (tmp_path / "r.pdf").write_bytes(buf.getvalue())
    assert {f["name"]: f["emb"] for f in pdffonts(tmp_path / "r.pdf")}["STSong-Light"] == "no"
