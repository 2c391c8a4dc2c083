"""Reports to file (issue 13 part 6): the results PDF, the 公示 notice, the XLSX 汇总表 and the
existing exports open in LibreOffice (headless, its own profile), read back equal to the API's
JSON figure for figure (pdftotext, openpyxl, and LibreOffice's own conversion), and the PDFs
carry their font embedded. The figures expected are rounded here, half up, from the JSON."""
from __future__ import annotations

import io
import json
import re
import subprocess
from decimal import ROUND_HALF_UP, Decimal

import pytest

from tests.conftest import issue_tokens

GROUPS = (("教师", 0.5, 7), ("学生", 0.3, 6), ("校领导", 0.2, 3))  # name, weight, ballots cast


def _cast(client, token, answers):
    r = client.post("/api/v1/ballots:cast", data=json.dumps({"token": token, "answers": answers}),
                    content_type="application/json")
    assert r.status_code == 201, r.json


def build(client, organiser_key) -> dict:
    """Returns {"id", "rounds": [ids], "groups": [ids], "people": [ids]}."""
    def api(path, body):
        r = client.post(f"/api/v1/campaigns{path}", json=body, headers=organiser_key)
        assert r.status_code in (200, 201), r.json
        return r.json
    cid = api("", {"title": "2026 年度民主评议", "description": "全体教职工、学生代表和校领导参加"})["id"]
    groups = [api(f"/{cid}/groups", {"name": n, "weight": w, "eligible": 10 if n == "教师" else None})["id"]
              for n, w, _ in GROUPS]
    orgs = [api(f"/{cid}/subjects", {"name": n, "kind": "organisation", "category": "基层党组织"})["id"]
            for n in ("临床医学系党支部", "护理系党支部", "药学系党支部")]
    people = [api(f"/{cid}/subjects", {"name": n, "kind": "person", "category": "党员", "unit": u})["id"]
              for n, u in (("王丽华", "临床医学系"), ("李建国", "护理系"), ("张敏", "药学系"), ("刘洋", "机关"))]
    r1 = api(f"/{cid}/rounds", {"title": "师生测评", "kind": "evaluation"})["id"]
    r2 = api(f"/{cid}/rounds", {"title": "师生推荐", "kind": "recommendation"})["id"]
    rating = api(f"/{cid}/sections", {"round_id": r1, "type": "rating", "title": "基层党组织满意度",
                                      "config": {"category": "基层党组织"}})["id"]
    score = api(f"/{cid}/sections", {"round_id": r1, "type": "score", "title": "量化打分",
                                     "subject_ids": people[:3]})["id"]
    approve = api(f"/{cid}/sections", {"round_id": r1, "type": "approve", "title": "同意确定为考察对象",
                                       "subject_ids": people[:2]})["id"]
    choose = api(f"/{cid}/sections", {"round_id": r2, "type": "choose", "title": "推荐优秀党员",
                                      "config": {"category": "党员", "max_choices": 2, "quota": 2,
                                                 "write_ins": True}})["id"]
    for state in ("announced", "open"):
        api(f"/{cid}/transitions", {"to": state})
    marks = ["满意", "满意", "基本满意", "不满意", "不了解", "满意", "基本满意"]
    picks = [[people[0], people[1]], [people[0]], [people[1], people[2]], [people[0], people[2]], [], [people[0]],
             [people[3]]]
    for gi, (gid, (_, _, n)) in enumerate(zip(groups, GROUPS)):
        for i, t in enumerate(issue_tokens(client.application, cid, r1, gid, n + 1)[:n]):  # one not returned
            answers = {str(rating): {str(orgs[0]): marks[i], str(orgs[1]): marks[(i + gi) % 7]},
                       str(score): {str(people[0]): 90 - i - gi, str(people[1]): 80 + i, str(people[2]): 75.5}}
            if i != 2:  # one blank approve section: an abstention apart from valid marks
                answers[str(approve)] = {str(people[0]): "赞成" if i % 3 else "不赞成", str(people[1]): "赞成"}
            _cast(client, t, answers)
        for i, t in enumerate(issue_tokens(client.application, cid, r2, gid, n)):
            pick = picks[(i + gi) % 7]
            answer = {"chosen": pick} if i != 1 else {"chosen": pick[:1], "write_ins": ["赵静"]}
            _cast(client, t, {str(choose): answer} if answer["chosen"] or answer.get("write_ins") else {})
    api(f"/{cid}/transitions", {"to": "closed"})
    return {"id": cid, "rounds": [r1, r2], "groups": groups, "people": people}


@pytest.fixture
def campaign(client, organiser_key):
    return build(client, organiser_key)


def pct(x) -> str:
    return "—" if x is None else f"{(Decimal(str(x)) * 100).quantize(Decimal('0.1'), ROUND_HALF_UP)}%"


def one(x) -> str:
    return "—" if x is None else str(Decimal(str(x)).quantize(Decimal("0.1"), ROUND_HALF_UP))


def pdftext(path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


def pdffonts(path) -> list[dict]:
    lines = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout.splitlines()
    return [{"name": line.split()[0], "emb": line.split()[-5], "sub": line.split()[-4], "uni": line.split()[-3]}
            for line in lines[2:]]


def soffice(src, to: str, tmp_path, infilter: str | None = None):
    """LibreOffice headless converts `src` (a PDF opens in Draw, an XLSX or CSV in Calc) with a
    profile of its own; it must say it converted, and write the file."""
    out = tmp_path / f"lo-{src.stem}"
    r = subprocess.run(["soffice", f"-env:UserInstallation=file://{tmp_path}/lo-profile", "--headless",
                        *([f"--infilter={infilter}"] if infilter else []), "--convert-to", to, "--outdir", str(out), str(src)],
                       capture_output=True, text=True, timeout=180)
    assert r.returncode == 0 and "Error" not in r.stdout + r.stderr and "convert " in r.stdout, r.stdout + r.stderr
    return out


def assert_embedded(path):
    fonts = pdffonts(path)
    assert fonts and all((f["emb"], f["sub"], f["uni"]) == ("yes", "yes", "yes") for f in fonts), fonts
    assert all(f["name"].endswith("+NotoSansCJKsc-Regular") for f in fonts), fonts


def get(client, key, path):
    r = client.get(f"/api/v1/campaigns{path}", headers=key)
    assert r.status_code == 200, r.data[:300]
    return r


def _ranked(items):
    return sorted(items, key=lambda x: (x["rank"] is None, x["rank"] or 0))


def _figures(sec, fig, composite):
    """A table row's figures as the report must print them, from the JSON."""
    t = sec["type"]
    if t in ("rating", "approve"):
        row = [str(fig["counts"][o]) for o in sec["options"]] + [str(fig["valid"]), pct(fig["rate"])]
        if t == "rating":
            row.append(one(fig["mean"]))
        if composite:
            row += (["√"] if fig["passed"] else []) + (["后进"] if t == "rating" and fig["laggard"] else [])
        return row
    if t == "score":
        return [one(fig["mean"])] if composite else [str(fig["raters"]), one(fig["mean"])]
    row = [str(fig["votes"]), pct(fig["share"])]
    if composite:
        row += (["√"] if fig["majority"] else []) + (["推荐"] if fig["recommended"] else []) + \
            (["同票，需决选"] if fig["runoff"] else [])
    return row


def expected_pdf_rows(result) -> list[list[str]]:
    """Every table row of a round in the report, in order: turnout, then per section the chart
    figures, the composite table and a table per group shown apart."""
    total = sum(g["weight"] for g in result["groups"])
    rows = [[g["name"], pct(g["weight"] / total), "—" if g["eligible"] is None else str(g["eligible"]),
             str(g["issued"]), str(g["ballots"]), pct(g["ballots"] / g["issued"])] for g in result["groups"]]
    issued, cast = sum(g["issued"] for g in result["groups"]), sum(g["ballots"] for g in result["groups"])
    rows.append(["合计", "—", str(issued), str(cast), pct(cast / issued)])
    for sec in result["sections"]:
        items = _ranked(sec.get("rows") or sec.get("candidates") or [])
        name = lambda x: x["name"] + ("（另选）" if x.get("write_in") else "")  # noqa: E731
        by = sec.get("rank_by") or ("share" if sec["type"] == "choose" else "mean")
        for x in items:  # the ranking chart: "1. 名称 85.4"
            if x["rank"] and x[by] is not None:
                value = Decimal(str(x[by])) * (1 if by == "mean" else 100)
                rows.append([f"{x['rank']}.", name(x), f"{float(value.quantize(Decimal('0.1'), ROUND_HALF_UP)):g}"])
        rows += [[str(x["rank"] or "—"), name(x), *_figures(sec, x, True)] for x in items]
        for g in result["groups"]:
            if g["id"] in sec["withheld"] or not g["ballots"]:
                continue
            rows.append([f"分群体：{g['name']}（收回", str(g["ballots"]), "张，权重", f"{pct(g['weight'])}）"])
            rows += [[name(x), *_figures(sec, x["groups"][str(g["id"])], False)] for x in items]
    return rows


def _words(line: str) -> list[str]:
    """A line's words, split at spaces and at full-width punctuation (LibreOffice spaces them)."""
    return re.sub(r"[（），：、]", " ", line).split()


def assert_rows_in_order(text: str, rows: list[list[str]]) -> int:
    """Each expected row is a line of the text (in words), after the one before it."""
    lines = [_words(line) for line in text.splitlines()]
    at = 0
    for row in rows:
        row = _words(" ".join(row))
        found = next((i for i in range(at, len(lines)) if lines[i] == row), None)
        assert found is not None, (row, [" ".join(t) for t in lines[at:at + 12]])
        at = found + 1
    return len(rows)


def check_results_pdf(text: str, results: list[dict]) -> int:
    """The report's text says, round by round, what the JSON says; withheld groups are named, not shown."""
    checked = 0
    starts = [text.index(f"{r['round']}") for r in results]
    for r, start, end in zip(results, starts, starts[1:] + [len(text)]):
        part = text[start:end]
        checked += assert_rows_in_order(part, expected_pdf_rows(r))
        flat = part.replace(" ", "")
        assert f"收回{r['quorum']['cast']}张" in flat and "群体权重" in flat and "有效门槛" in flat
        assert flat.count("计票人（签名）") == flat.count("监票人（签名）") == 1 and "日期：" in flat
        apart = {gid for sec in r["sections"] for gid in sec.get("withheld", [])}
        withheld = [g["name"] for g in r["groups"] if g["id"] in apart]
        assert any(g["suppressed"] for g in r["groups"] if g["id"] in apart)  # the campaign has a small group
        for name in withheld:
            assert f"分群体：{name}" not in flat
        assert not withheld or "不单列：" in flat
    return checked


def round_results(client, key, campaign) -> list[dict]:
    out = [get(client, key, f"/{campaign['id']}/rounds/{rid}/results").json for rid in campaign["rounds"]]
    turnout = get(client, key, f"/{campaign['id']}/turnout").json
    for result, rnd in zip(out, turnout["rounds"]):  # the turnout the report prints is the API's turnout
        assert [(g["issued"], g["ballots"], g["eligible"]) for g in result["groups"]] == \
            [(g["issued"], g["cast"], g["eligible"]) for g in rnd["groups"]]
    return out


def test_the_results_pdf_reads_back_as_the_api_says_and_opens_in_libreoffice(client, organiser_key, campaign,
                                                                            tmp_path):
    results = round_results(client, organiser_key, campaign)
    pdf = tmp_path / "results.pdf"
    pdf.write_bytes(get(client, organiser_key, f"/{campaign['id']}/results.pdf").data)
    assert_embedded(pdf)
    checked = check_results_pdf(pdftext(pdf), results)
    assert checked > 40
    text = pdftext(pdf).replace(" ", "")
    for words in ("计分：满意100分、基本满意75分、不满意55分、不了解不计分", "满意率不低于80.0%为达标",
                  "名额2名：得票超过半数（以有效票计）", "去掉一个最高分和一个最低分", "图：评价分布", "图：得票率（%）"):
        assert words in text, words  # the rules applied, in words, and the charts' captions
    # LibreOffice opens it (Draw's PDF import), and what it writes back says the same.
    again = soffice(pdf, "pdf", tmp_path) / "results.pdf"
    assert check_results_pdf(pdftext(again), results) == checked


def test_without_the_font_the_report_falls_back_to_stsong_and_says_so(monkeypatch, caplog, tmp_path):
    from ballots import fonts
    from ballots.report import write_report
    monkeypatch.setattr(fonts, "CANDIDATES", (str(tmp_path / "none.ttc"),))
    monkeypatch.delenv("PINGYI_REPORT_FONT", raising=False)
    buf = io.BytesIO()
    with caplog.at_level("WARNING", logger="ballots.fonts"):
        write_report(buf, "测试", [], "2026-12-03 10:00")
    assert "not embedded" in caplog.text
    (tmp_path / "r.pdf").write_bytes(buf.getvalue())
    assert {f["name"]: f["emb"] for f in pdffonts(tmp_path / "r.pdf")} == {"STSong-Light": "no", "Courier-Bold": "no"}


ALL_SHEETS_AS_SHOWN = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true,false,false,-1"


def expected_summary_rows(result) -> list[dict]:
    """The 汇总表's rows for a round, keyed by heading, straight from the JSON (no rounding)."""
    out = []
    for sec in result["sections"]:
        for x in _ranked(sec.get("rows") or sec.get("candidates") or []):
            row = {"题目": sec["title"], "排名": x["rank"], "对象": x["name"] + ("（另选）" if x.get("write_in") else "")}
            if sec["type"] in ("rating", "approve"):
                row.update({o: x["counts"][o] for o in sec["options"]})
                row.update({"有效评价": x["valid"], "满意率/赞成率": x["rate"]})
                if sec["type"] == "rating":
                    row["综合得分"] = x["mean"]
            elif sec["type"] == "score":
                row["综合得分"] = x["mean"]
            else:
                row.update({"得票": x["votes"], "得票率": x["share"], "推荐": "推荐" if x["recommended"] else None})
            out.append(row)
    return out


FORMATS = {"满意率/赞成率": "0.0%", "得票率": "0.0%", "综合得分": "0.0", "有效评价": "0", "得票": "0"}


def test_the_summary_xlsx_is_ready_to_print_and_reads_back_as_the_api_says(client, organiser_key, campaign,
                                                                          tmp_path):
    from openpyxl import load_workbook
    results = round_results(client, organiser_key, campaign)
    path = tmp_path / "summary.xlsx"
    path.write_bytes(get(client, organiser_key, f"/{campaign['id']}/summary.xlsx").data)
    wb = load_workbook(path)
    assert wb.sheetnames == [r["round"] for r in results]  # a sheet a round
    checked = 0
    for ws, result in zip(wb.worksheets, results):
        assert result["round"] in ws["A1"].value and f"收回 {result['ballots']} 张" in ws["A2"].value
        assert ws.freeze_panes == "A4" and ws.print_title_rows == "$1:$3"  # three header rows, frozen and repeated
        assert ws.print_area == f"'{ws.title}'!$A$1:${ws.cell(3, ws.max_column).column_letter}${ws.max_row}"
        assert ws.page_setup.orientation == "landscape" and str(ws.page_setup.paperSize) == ws.PAPERSIZE_A4
        assert (ws.page_setup.fitToWidth, ws.page_setup.fitToHeight) == (1, 0)
        assert ws.sheet_properties.pageSetUpPr.fitToPage is True
        head = [c.value for c in ws[3]]
        body = [dict(zip(head, row)) for row in ws.iter_rows(min_row=4)]
        expected = expected_summary_rows(result)
        assert len(body) == len(expected)
        for cells, want in zip(body, expected):
            for heading, value in want.items():
                cell = cells[heading]
                assert cell.value == value, (heading, cell.value, value)
                if heading in FORMATS or heading in ("满意", "不满意", "赞成"):
                    assert cell.number_format == FORMATS.get(heading, "0"), (heading, cell.number_format)
                checked += 1
    assert checked > 80
    # LibreOffice opens it, and its sheets as shown read: rates as percentages, scores to one decimal.
    out = soffice(path, ALL_SHEETS_AS_SHOWN, tmp_path)
    for result in results:
        import csv
        (sheet,) = out.glob(f"*-{result['round']}.csv")
        rows = list(csv.reader(sheet.read_text(encoding="utf-8").splitlines()))
        head, body = rows[2], [dict(zip(rows[2], r)) for r in rows[3:]]
        assert head[:3] == ["题目", "排名", "对象"]
        for cells, want in zip(body, expected_summary_rows(result), strict=True):
            for heading, value in want.items():
                shown = {"0.0%": pct, "0.0": one}.get(FORMATS.get(heading), str)
                assert cells[heading] == ("" if value is None else shown(value)), (heading, cells[heading], value)


def test_the_publicity_notice_prints_what_was_published(client, organiser_key, campaign, monkeypatch, tmp_path,
                                                         make_user, login):
    import datetime as dt

    from service.publication import operations as publication
    monkeypatch.setattr(publication, "today", lambda: dt.date(2026, 11, 25))
    cid, people = campaign["id"], campaign["people"]
    r = client.post(f"/api/v1/campaigns/{cid}/publication", headers=organiser_key, json={
        "honourees": [{"subject_id": people[0], "award": "优秀共产党员"},
                      {"subject_id": people[1], "award": "优秀党务工作者"},
                      {"name": "赵静", "award": "优秀共产党员"}],
        "issuer": "中共某某医学院委员会", "objection_contact": "组织部办公室（行政楼 305），电话 0571-12345678",
        "note": "根据《关于开展 2026 年度民主评议工作的通知》。"})
    assert r.status_code == 201, r.json
    pub = r.json
    assert (pub["issuer"], pub["objection_contact"]) == ("中共某某医学院委员会", "组织部办公室（行政楼 305），电话 0571-12345678")
    pdf = tmp_path / "notice.pdf"
    pdf.write_bytes(get(client, organiser_key, f"/{cid}/publication.pdf").data)
    assert_embedded(pdf)
    day = lambda iso: "{}年{}月{}日".format(*(int(p) for p in iso.split("-")))  # noqa: E731
    subjects = {s["id"]: s for s in get(client, organiser_key, f"/{cid}").json["subjects"]}
    rows = [[str(i), h["name"], subjects[h["subject_id"]]["unit"] if h["subject_id"] else "—", h["award"]]
            for i, h in enumerate(pub["honourees"], start=1)]
    assert rows[0][2:] == ["临床医学系", "优秀共产党员"] and rows[1][2:] == ["护理系", "优秀党务工作者"]

    def check(text):
        assert_rows_in_order(text, rows)
        flat = text.replace(" ", "").replace("\n", "")
        assert flat.startswith("关于2026年度民主评议拟表彰对象的公示")
        assert f"公示期{day(pub['starts_on'])}至{day(pub['ends_on'])}（{pub['working_days']}个工作日" \
            .replace("期", "期：") in flat
        assert "组织部办公室（行政楼305），电话0571-12345678" in flat and f"/c/{cid}/publicity" in flat
        assert flat.count("中共某某医学院委员会") == 3  # in the text, in how to object, and as the issuer at the foot
        assert flat.rstrip().endswith(day(pub["starts_on"]) + "扫码查看公示并在线反映意见：")  # the date line
        assert "根据《关于开展2026年度民主评议工作的通知》。" in flat
    check(pdftext(pdf))
    check(pdftext(soffice(pdf, "pdf", tmp_path) / "notice.pdf"))
    events = [e["action"] for e in get(client, organiser_key, f"/{cid}/events").json]
    assert events.count("publication.exported") == 1  # handing it out is on the record, as every export
    login(make_user("organiser"))
    page = client.get(f"/admin/campaigns/{cid}").get_data(as_text=True)
    assert f"/api/v1/campaigns/{cid}/publication.pdf" in page and "下载公示通知" in page


def _composite_figures(results) -> dict:
    """{(round, section, name, 综合): (valid, rate, mean, votes, share)} from the JSON."""
    out = {}
    for r in results:
        for sec in r["sections"]:
            for x in sec.get("rows", []) + sec.get("candidates", []):
                out[(r["round"], sec["title"], x["name"])] = (x.get("valid"), x.get("rate"), x.get("mean"),
                                                              x.get("votes"), x.get("share"))
    return out


def _same(cell, value) -> bool:
    if value is None:
        return cell in (None, "")
    return cell not in (None, "") and abs(float(cell) - value) <= 1e-9 * max(1.0, abs(value))


def test_the_existing_exports_open_in_libreoffice_and_say_what_the_api_says(client, organiser_key, campaign,
                                                                            tmp_path):
    import csv

    from openpyxl import load_workbook
    results = round_results(client, organiser_key, campaign)
    want = _composite_figures(results)
    (tmp_path / "results.xlsx").write_bytes(get(client, organiser_key, f"/{campaign['id']}/results.xlsx").data)
    (tmp_path / "results.csv").write_bytes(get(client, organiser_key, f"/{campaign['id']}/results.csv").data)
    figures = ("有效评价", "满意率", "平均分", "得票", "得票率")
    seen = set()
    out = soffice(tmp_path / "results.xlsx", ALL_SHEETS_AS_SHOWN.replace("true,true,false", "true,false,false"),
                  tmp_path)
    for r in results:
        (sheet,) = out.glob(f"*-{r['round']}.csv")
        head, *body = csv.reader(sheet.read_text(encoding="utf-8").splitlines())
        for row in (dict(zip(head, b)) for b in body):
            key = (r["round"], row["题目"], row["对象"])
            if row["群体"] == "综合" and key in want:
                assert all(_same(row[f], v) for f, v in zip(figures, want[key])), (key, row, want[key])
                seen.add(key)
    assert seen == set(want)
    # The CSV, as Calc imports it (UTF-8, comma-separated), into a workbook read back with openpyxl.
    out = soffice(tmp_path / "results.csv", "xlsx", tmp_path, infilter="CSV:44,34,76,1")
    ws = load_workbook(out / "results.xlsx").active
    head, *body = ws.iter_rows(values_only=True)
    assert head[:3] == ("轮次", "题目", "题型"), head
    seen = set()
    for row in (dict(zip(head, b)) for b in body):
        key = (row["轮次"], row["题目"], row["对象"])
        if row["群体"] == "综合" and key in want:
            assert all(_same(row[f], v) for f, v in zip(figures, want[key])), (key, row, want[key])
            seen.add(key)
    assert seen == set(want)


def _small_campaign(client, key, title: str, options=None, criteria=()) -> dict:
    """A campaign of two groups and one rating round, opened (nothing issued yet)."""
    def api(path, body):
        r = client.post(f"/api/v1/campaigns{path}", json=body, headers=key)
        assert r.status_code in (200, 201), r.json
        return r.json
    # k = 1: a handful of ballots, every figure shown (with k = 5 fewer than five publish none)
    cid = api("", {"title": title, "rules": {"small_group_k": 1}})["id"]
    groups = [api(f"/{cid}/groups", {"name": n, "weight": w})["id"] for n, w in (("教师", 0.6), ("学生", 0.4))]
    subjects = [api(f"/{cid}/subjects", {"name": n, "kind": "organisation", "category": "支部"})["id"]
                for n in ("=HYPERLINK(\"http://x\")", "护理系党支部")]
    rnd = api(f"/{cid}/rounds", {"title": "+师生测评", "kind": "evaluation"})["id"]
    config = {"category": "支部", "criteria": list(criteria)}
    if options:
        config["options"] = [{"label": o, "points": p} for o, p in options]
    sec = api(f"/{cid}/sections", {"round_id": rnd, "type": "rating", "title": "-满意度", "config": config})["id"]
    for state in ("announced", "open"):
        api(f"/{cid}/transitions", {"to": state})
    return {"id": cid, "round": rnd, "groups": groups, "subjects": subjects, "section": sec, "api": api}


def _summary(client, key, cid, tmp_path):
    from openpyxl import load_workbook
    r = client.get(f"/api/v1/campaigns/{cid}/summary.xlsx", headers=key)
    assert r.status_code == 200, r.data[:300]
    path = tmp_path / f"summary-{cid}.xlsx"
    path.write_bytes(r.data)
    return path, load_workbook(path)


def test_the_summary_xlsx_counts_a_group_issued_nothing_as_none_issued(client, organiser_key, tmp_path):
    c = _small_campaign(client, organiser_key, "2026 年度支部测评")
    for i, t in enumerate(issue_tokens(client.application, c["id"], c["round"], c["groups"][0], 3)[:2]):
        _cast(client, t, {str(c["section"]): {str(c["subjects"][1]): "满意" if i else "基本满意"}})
    c["api"](f"/{c['id']}/transitions", {"to": "closed"})  # 学生 was given no batch at all
    result = get(client, organiser_key, f"/{c['id']}/rounds/{c['round']}/results").json
    assert [g["issued"] for g in result["groups"]][1] == 0
    _, wb = _summary(client, organiser_key, c["id"], tmp_path)
    ws = wb.worksheets[0]
    assert "发出 3 张，收回 2 张" in ws["A2"].value
    head = [cell.value for cell in ws[3]]
    body = {row[2]: dict(zip(head, row)) for row in ws.iter_rows(min_row=4, values_only=True)}
    assert (body["护理系党支部"]["满意"], body["护理系党支部"]["基本满意"], body["护理系党支部"]["有效评价"]) == (1, 1, 2)
    # and a closed campaign that never issued a ballot
    empty = _small_campaign(client, organiser_key, "没有发票的测评")
    empty["api"](f"/{empty['id']}/transitions", {"to": "closed"})
    _, wb = _summary(client, organiser_key, empty["id"], tmp_path)
    assert "发出 0 张，收回 0 张" in wb.worksheets[0]["A2"].value


def test_the_summary_xlsx_stores_no_user_text_as_a_formula(client, organiser_key, tmp_path):
    import zipfile
    title = '=CMD|" /C calc"!A0 测评'
    c = _small_campaign(client, organiser_key, title, options=[("=1+1", 100), ("@SUM(A1)", 50), ("-2", 0)],
                        criteria=["=A1*2"])
    t = issue_tokens(client.application, c["id"], c["round"], c["groups"][0], 1)[0]
    _cast(client, t, {str(c["section"]): {f"{s}:0": "=1+1" for s in c["subjects"]}})
    c["api"](f"/{c['id']}/transitions", {"to": "closed"})
    path, wb = _summary(client, organiser_key, c["id"], tmp_path)
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            assert not re.search(rb"<(\w+:)?f[ >/]", z.read(name)), name  # no formula anywhere
    ws = wb.worksheets[0]
    assert ws["A1"].data_type == "s" and ws["A1"].value.startswith(title)
    head = [cell for cell in ws[3]]
    assert [h.value for h in head][:4] == ["题目", "排名", "对象", "指标"]
    labels = {h.value: h for h in head}
    assert all(labels[o].data_type == "s" for o in ("=1+1", "@SUM(A1)", "-2"))
    texts = [cell for row in ws.iter_rows(min_row=4) for cell in row if isinstance(cell.value, str)]
    assert {"-满意度", "=HYPERLINK(\"http://x\")", "=A1*2"} <= {cell.value for cell in texts}
    assert all(cell.data_type == "s" for cell in texts)


LONG_ISSUER = ("中共某某大学委员会、某某大学党委组织部、某某大学党委宣传部、某某大学党委统战部、"
               "某某大学党委教师工作部、某某大学党委学生工作部、"
               "某某大学马克思主义学院党委暨思想政治理论课教学研究中心等单位（联合发布）")  # 100 characters, the most allowed


def _notice(tmp_path, honourees, contact=None, issuer=LONG_ISSUER):
    import datetime as dt

    from ballots.notice import write_notice
    buf = io.BytesIO()
    write_notice(buf, {"title": "2026 年度民主评议", "issuer": issuer, "note": "", "working_days": 5,
                       "starts_on": dt.date(2026, 11, 25), "ends_on": dt.date(2026, 12, 1), "dated": dt.date(2026, 11, 25),
                       "honourees": honourees, "objection_contact": contact, "url": "http://pingyi.example.edu.cn/c/7/publicity"})
    path = tmp_path / "notice.pdf"
    path.write_bytes(buf.getvalue())
    return path


def _boxes(path) -> list[tuple[int, float, float, float, float, str]]:
    """(page, xMin, yMin, xMax, yMax, word) of every word pdftotext finds, and the page size."""
    import html
    out = subprocess.run(["pdftotext", "-bbox", str(path), "-"], capture_output=True, text=True, check=True).stdout
    boxes, page = [], 0
    for line in out.splitlines():
        if "<page " in line:
            page += 1
        m = re.search(r'xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*)</word>', line)
        if m:
            boxes.append((page, *map(float, m.groups()[:4]), html.unescape(m.group(5))))
    return boxes


def _columns(boxes) -> list[str]:
    """The page's words column by column of the notice's list (a cell's lines one after the
    other), the rest of the page in the first."""
    edges = (50 + 40, 50 + 180, 50 + 335)
    out = ["", "", "", ""]
    for box in sorted(boxes, key=lambda b: (b[0], b[2], b[1])):  # page, top, left
        out[sum(box[1] >= e for e in edges)] += box[-1]
    return out


def test_the_notice_prints_long_names_units_titles_and_issuer_in_full_within_the_margins(tmp_path):
    long = [{"name": "马克思主义学院教师第一党支部", "unit": "马克思主义学院思想政治理论课教学部",
             "award": "2026年度校级优秀共产党员（教师组）"}]
    many = [{"name": f"{'欧阳' if i % 2 else '马克思主义学院学生第'}{i}党支部", "unit": "附属第一医院心血管内科暨心脏中心",
             "award": "优秀党务工作者"} for i in range(2, 40)]
    path = _notice(tmp_path, long + many, contact="组织部办公室（行政楼 305），电话 0571-12345678")
    columns = [re.sub(r"\s+", "", c) for c in _columns(_boxes(path))]
    for i, key in enumerate(("name", "unit", "award"), start=1):  # whole, if on several lines
        assert all(h[key] in columns[i] for h in long + many), key
    flat = re.sub(r"\s+", "", pdftext(path))
    assert flat.count(LONG_ISSUER) == 3  # in the text, in how to object, and at the foot
    assert "…" not in flat
    assert "向" + LONG_ISSUER + "反映：组织部办公室（行政楼305），电话0571-12345678；也可登录" in flat
    boxes = _boxes(path)
    assert max(b[0] for b in boxes) >= 2  # the list runs onto a second page, its heading again at its top
    assert subprocess.run(["pdftotext", "-f", "2", "-l", "2", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout.count("姓名（名称）") == 1
    assert_within_margins(boxes)
    # a row taller than a page (no form allows one) splits line by line, the heading on each page
    award = "".join(f"第{i}项表彰：优秀共产党员、优秀党务工作者、先进基层党组织。" for i in range(1, 120))
    path = _notice(tmp_path, [{"name": "赵静", "unit": "机关", "award": award}])
    boxes = _boxes(path)
    assert award in re.sub(r"\s+", "", _columns(boxes)[3]).replace("称号", "")  # less the heading on each page
    headed = [b[0] for b in boxes if b[-1] == "姓名（名称）"]
    assert len(headed) >= 3 and headed == list(range(1, len(headed) + 1))
    assert_within_margins(boxes)


def assert_within_margins(boxes):
    from ballots.pdf import A4
    for page, x0, y0, x1, y1, word in boxes:
        assert 50 - 0.5 <= x0 and x1 <= A4[0] - 50 + 0.5, (page, x0, x1, word)
        assert 50 - 12 <= y0 and y1 <= A4[1] - 50 + 0.5, (page, y0, y1, word)


def test_the_notice_without_a_contact_says_how_to_object_in_a_whole_sentence(tmp_path):
    flat = re.sub(r"\s+", "", pdftext(_notice(tmp_path, [{"name": "赵静", "unit": "", "award": "优秀共产党员"}],
                                              issuer="中共某某大学委员会")))
    assert "对公示对象如有异议，请登录http://pingyi.example.edu.cn/c/7/publicity在线提交，" \
        "或以书面方式向中共某某大学委员会反映。" in flat
    assert "反映：" not in flat and "：或" not in flat


def test_a_long_title_keeps_the_results_reports_footer_on_the_page(tmp_path):
    """The footer (title｜计票结果｜第 n 页) of a title longer than a line ends in "…" before the
    page number instead of running off the page; the title itself prints whole at the top."""
    from ballots.pdf import A4
    from ballots.report import write_report
    title = "某某大学" + "马克思主义学院暨思想政治理论课教学研究中心" * 3 + "2026 年度党员民主评议"
    buf = io.BytesIO()
    write_report(buf, title, [], "2026-12-04 10:00")
    path = tmp_path / "report.pdf"
    path.write_bytes(buf.getvalue())
    boxes = _boxes(path)
    footer = [b for b in boxes if b[2] > 800]  # its line, below the bottom margin
    assert_within_margins([b for b in boxes if b not in footer])
    assert footer and all(50 - 0.5 <= b[1] and b[3] <= A4[0] - 50 + 0.5 for b in footer), footer
    foot = "".join(b[-1] for b in footer)
    assert foot.startswith("某某大学马克思主义学院") and foot.endswith("…｜第1页"), foot
    assert title.replace(" ", "") in re.sub(r"\s+", "", pdftext(path))
