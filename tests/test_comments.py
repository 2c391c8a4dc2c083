"""意见建议 can be read — by organisers and auditors only, apart from the ballots (no group,
tracker or order of casting), in the API, on the results page, in XLSX and in the PDF — and
voters' text never reaches a spreadsheet as a formula."""
from __future__ import annotations

import csv
import io
import subprocess

import pytest
from openpyxl import load_workbook

COMMENTS = ["希望食堂延长开放时间。", "=HYPERLINK(\"http://evil.example\",\"点我\")", "建议增加实验室开放日。",
            "@SUM(1+1)", "+86 电话核实", "-1 分的理由", "期待更多文体活动。\n第二行也要保留。"]


@pytest.fixture
def commented(client, full_campaign, organiser_key):
    """Seven ballots with a comment each (cast in this order) and two without; then closed."""
    tokens = full_campaign.tokens(9)
    for token, text in zip(tokens, COMMENTS + ["", ""]):
        answers = {**full_campaign.valid, str(full_campaign.sections["text"]): text}
        answers[str(full_campaign.sections["choose"])] = {"chosen": [], "write_ins": ["=1+1"]}
        r = client.post("/api/v1/ballots:cast", json={"token": token, "answers": answers})
        assert r.status_code == 201, r.json
    r = client.post(f"/api/v1/campaigns/{full_campaign.id}/transitions", json={"to": "closed"},
                    headers=organiser_key)
    assert r.status_code == 200
    return full_campaign


def comments_url(c):
    return f"/api/v1/campaigns/{c.id}/rounds/{c.round}/comments"


def test_the_api_lists_comments_apart_and_sorted_by_their_text(client, commented, organiser_key, make_key):
    r = client.get(comments_url(commented), headers=organiser_key)
    assert r.status_code == 200
    (sec,) = r.json["sections"]
    assert sec["id"] == commented.sections["text"] and sec["count"] == 7
    assert sec["comments"] == sorted(COMMENTS) and sec["comments"] != COMMENTS  # not the order of casting
    assert set(sec) == {"id", "title", "count", "withheld", "comments"} and sec["withheld"] is False
    # nothing beside a comment: no group, no tracker, no ballot id
    assert client.get(comments_url(commented), headers=make_key("audit")).status_code == 200
    for scope in ("results", "turnout"):
        refused = client.get(comments_url(commented), headers=make_key(scope))
        assert refused.status_code == 403 and refused.json["error"]["details"]["required"] == "comments:read"


def test_comments_of_fewer_than_k_ballots_are_counted_not_shown(client, full_campaign, organiser_key, make_user,
                                                                 login):
    """The section's groups are public: three teachers' comments would be known as theirs."""
    for token, text in zip(full_campaign.tokens(3), ("校领导的意见一", "校领导的意见二", "")):
        answers = {**full_campaign.valid, str(full_campaign.sections["text"]): text}
        assert client.post("/api/v1/ballots:cast", json={"token": token, "answers": answers}).status_code == 201
    client.post(f"/api/v1/campaigns/{full_campaign.id}/transitions", json={"to": "closed"}, headers=organiser_key)
    (sec,) = client.get(comments_url(full_campaign), headers=organiser_key).json["sections"]
    assert (sec["count"], sec["withheld"], sec["comments"]) == (2, True, [])
    login(make_user("organiser"))
    html = client.get(f"/admin/campaigns/{full_campaign.id}/results").get_data(as_text=True)
    assert "共 2 条" in html and "不单独列出" in html and "校领导的意见" not in html
    book = load_workbook(io.BytesIO(client.get(f"/api/v1/campaigns/{full_campaign.id}/results.xlsx",
                                               headers=organiser_key).get_data()))
    assert "校领导的意见" not in str([c.value for ws in book.worksheets for row in ws.iter_rows() for c in row])


def test_comments_wait_for_the_close(client, full_campaign, organiser_key):
    r = client.get(comments_url(full_campaign), headers=organiser_key)
    assert r.status_code == 409 and r.json["error"]["code"] == "not_closed"


def test_the_results_page_shows_comments_to_organisers_and_auditors_only(client, commented, make_user, login):
    for role in ("organiser", "auditor"):
        login(make_user(role))
        html = client.get(f"/admin/campaigns/{commented.id}/results").get_data(as_text=True)
        part = html.split(f'id="comments-{commented.sections["text"]}"', 1)[1]
        assert "希望食堂延长开放时间。" in part and "共 7 条" in part and "第二行也要保留。" in part
        assert part.index("+86 电话核实") < part.index("希望食堂")  # by text, not by casting
    login(make_user("viewer"))
    html = client.get(f"/admin/campaigns/{commented.id}/results").get_data(as_text=True)
    assert "只有组织者和审计员可以查看" in html and "希望食堂" not in html


def test_the_xlsx_has_a_sheet_of_comments_stored_as_text(client, commented, organiser_key, make_key):
    book = load_workbook(io.BytesIO(client.get(f"/api/v1/campaigns/{commented.id}/results.xlsx",
                                               headers=organiser_key).get_data()))
    sheet = book["意见建议"]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert [r[3] for r in rows] == sorted(COMMENTS) and [r[2] for r in rows] == list(range(1, 8))
    for ws in book.worksheets:  # every formula-like cell is text: voters' words are never run
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value[:1] in "=+-@":
                    assert cell.data_type == "s", (ws.title, cell.coordinate, cell.value)
    round_sheet = book.worksheets[0]
    assert any(cell.value == "=1+1" for row in round_sheet.iter_rows() for cell in row)  # the write-in, as text
    viewer_book = load_workbook(io.BytesIO(client.get(f"/api/v1/campaigns/{commented.id}/results.xlsx",
                                                      headers=make_key("results")).get_data()))
    assert "意见建议" not in viewer_book.sheetnames


def test_a_spreadsheet_program_shows_the_formula_as_text(client, commented, organiser_key, tmp_path):
    """LibreOffice, as an office would open the file: the cell shows the text, not a computed 2."""
    if subprocess.run(["which", "soffice"], capture_output=True).returncode != 0:
        pytest.fail("LibreOffice (soffice) is not installed: `make test` installs libreoffice-calc")
    (tmp_path / "r.xlsx").write_bytes(client.get(f"/api/v1/campaigns/{commented.id}/results.xlsx",
                                                 headers=organiser_key).get_data())
    subprocess.run(["soffice", "--headless", "--norestore", f"-env:UserInstallation=file://{tmp_path}/lo",
                    "--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1",
                    "--outdir", str(tmp_path), str(tmp_path / "r.xlsx")], check=True, capture_output=True,
                   timeout=180)
    sheets = {p.name: list(csv.reader(io.StringIO(p.read_text(encoding="utf-8")))) for p in tmp_path.glob("r*.csv")}
    comments = [row[3] for row in next(rows for name, rows in sheets.items() if "意见建议" in name)[1:]]
    assert comments == sorted(COMMENTS)  # shown as written: no formula was evaluated
    assert any("=1+1" in row for name, rows in sheets.items() if "意见建议" not in name for row in rows)


def test_the_csv_neutralises_formula_like_text(client, commented, organiser_key):
    body = client.get(f"/api/v1/campaigns/{commented.id}/results.csv", headers=organiser_key).get_data()
    cells = [cell for row in csv.reader(io.StringIO(body.decode("utf-8-sig"))) for cell in row]
    assert "'=1+1" in cells and "=1+1" not in cells
    assert not any(cell[:1] in ("=", "+", "@") for cell in cells)
    negative = [cell for cell in cells if cell.startswith("-")]
    assert not negative, negative


def test_the_pdf_report_ends_with_the_comments(client, commented, organiser_key, make_key, tmp_path):
    def text_of(headers):
        (tmp_path / "r.pdf").write_bytes(client.get(f"/api/v1/campaigns/{commented.id}/results.pdf",
                                                    headers=headers).get_data())
        return subprocess.run(["pdftotext", str(tmp_path / "r.pdf"), "-"], capture_output=True, text=True,
                              check=True).stdout
    text = text_of(organiser_key)
    assert "意见建议 7 条" in text and "希望食堂延长开放时间。" in text and "第二行也要保留。" in text
    assert "希望食堂" not in text_of(make_key("results"))


@pytest.mark.parametrize("kind", ["csv", "xlsx", "pdf"])
def test_exports_of_a_draft_are_refused_and_record_nothing(client, organiser_key, fingerprint, kind):
    cid = client.post("/api/v1/campaigns", json={"title": "空草稿"}, headers=organiser_key).json["id"]
    before = fingerprint()
    r = client.get(f"/api/v1/campaigns/{cid}/results.{kind}", headers=organiser_key)
    assert r.status_code == 409 and r.json["error"]["code"] == "not_closed"
    assert fingerprint() == before


def test_a_workbook_without_rounds_is_still_a_workbook():
    from service.results.exports import to_xlsx
    book = load_workbook(io.BytesIO(to_xlsx([], [])))
    assert book.sheetnames == ["结果"]
