"""Results and turnout from the database: SQL counts equal a recount of the stored ballots."""
from __future__ import annotations

import json
import re

from ballots import forms
from ballots.tally import counts_from_ballots, tally
from service.results.exports import _sheet_title
from service.results.queries import count_round
from tests.helpers import rasterise


def cast(client, token, answers):
    r = client.post("/api/v1/ballots:cast", data=json.dumps({"token": token, "answers": answers}),
                    content_type="application/json")
    assert r.status_code == 201, r.json
    return r


def test_sql_counts_equal_a_recount_of_the_stored_ballots(client, full_campaign, conn, organiser_key):
    s = {k: str(v) for k, v in full_campaign.sections.items()}
    o, p = full_campaign.orgs, full_campaign.people
    answers = [
        full_campaign.valid,
        {s["rating"]: {str(o[0]): "不满意"}, s["choose"]: {"chosen": [p[1], p[2]]}, s["score"]: {str(p[0]): 61.5}},
        {s["approve"]: {str(p[0]): "不赞成"}, s["choose"]: {"write_ins": ["赵静", "钱坤"]}},
        {},
    ]
    for i, a in enumerate(answers * 3):
        (token,) = full_campaign.tokens(1, group=i % 2)
        cast(client, token, a)
    client.post(f"/api/v1/campaigns/{full_campaign.id}/transitions", json={"to": "closed"}, headers=organiser_key)
    with conn.cursor() as cur:
        cur.execute("SELECT group_id, answers FROM ballots")
        stored = cur.fetchall()
        c = client.get(f"/api/v1/campaigns/{full_campaign.id}", headers=organiser_key).json
        definition = {**c, "rounds": c["rounds"]}
        sections = forms.build_form(definition, full_campaign.round, None)
        from_sql = count_round(cur, full_campaign.round, sections,
                               lambda g: forms.build_form(definition, full_campaign.round, g))
        plain = count_round(cur, full_campaign.round, sections)  # from the answers alone
    conn.commit()
    recount = counts_from_ballots(stored)
    assert from_sql.ballots == recount.ballots
    assert dict(from_sql.options) == dict(recount.options) == dict(plain.options)
    assert dict(from_sql.chosen) == dict(recount.chosen)
    assert dict(from_sql.write_ins) == dict(recount.write_ins)
    assert {k: (v.n, v.total, v.low, v.high) for k, v in from_sql.scores.items()} == \
        {k: (v.n, v.total, v.low, v.high) for k, v in recount.scores.items()}
    r = client.get(f"/api/v1/campaigns/{full_campaign.id}/rounds/{full_campaign.round}/results",
                   headers=organiser_key)
    assert r.status_code == 200
    expected = tally(sections, c["groups"], recount, c["rules"])
    assert r.json["sections"] == json.loads(json.dumps(expected["sections"]))  # JSON keys are strings
    assert r.json["ballots"] == 12
    # And figures worked out by hand, not by the code under test. Ballot i is pattern i % 4 cast by
    # group i % 2: teachers (weight 0.6) cast A (valid) and C three times each, students (0.4) B
    # and the empty ballot; the weights apply to the groups that returned ballots.
    rating, choose, approve, score = (next(x for x in r.json["sections"] if x["type"] == t)
                                      for t in ("rating", "choose", "approve", "score"))
    org0 = next(row for row in rating["rows"] if row["subject_id"] == o[0])
    assert org0["counts"] == {"满意": 3, "基本满意": 0, "不满意": 3, "不了解": 0}
    assert org0["rate"] == 0.6  # 0.6 × 3/3 satisfied + 0.4 × 0/3
    assert org0["mean"] == 82.0  # 0.6 × 100 (满意) + 0.4 × 55 (不满意)
    votes = {c["name"]: c["votes"] for c in choose["candidates"]}
    assert votes == {"赵静": 6, "王丽华": 3, "钱坤": 3, "张敏": 3, "李建国": 3, "刘洋": 0}
    zhao = next(c for c in choose["candidates"] if c["name"] == "赵静")
    assert zhao["share"] == 0.6 and zhao["recommended"]  # 0.6 × 6/6 + 0.4 × 0/6: the only majority
    wang = next(row for row in approve["rows"] if row["subject_id"] == p[0])
    assert wang["counts"] == {"赞成": 3, "不赞成": 3, "弃权": 0} and wang["rate"] == 0.5
    wang = next(row for row in score["rows"] if row["subject_id"] == p[0])
    assert wang["mean"] == 79.8  # 0.6 × 92 + 0.4 × 61.5


def test_results_wait_for_the_close_and_turnout_counts_up(client, full_campaign, organiser_key, make_key):
    url = f"/api/v1/campaigns/{full_campaign.id}"
    r = client.get(f"{url}/rounds/{full_campaign.round}/results", headers=organiser_key)
    assert r.status_code == 409 and r.json["error"]["code"] == "not_closed"
    client.post(f"{url}/batches", headers=organiser_key, json={
        "round_id": full_campaign.round, "group_id": full_campaign.groups[0], "size": 5})
    tokens = full_campaign.tokens(2)
    cast(client, tokens[0], {})
    t = client.get(f"{url}/turnout", headers=make_key("turnout")).json
    teachers = t["rounds"][0]["groups"][0]
    assert (teachers["issued"], teachers["cast"], teachers["remaining"]) == (7, 1, 6)
    assert client.get(f"{url}/turnout", headers=make_key("results")).status_code == 403


def _two_round_campaign(client, organiser_key):
    """Two groups, an evaluation round (rating) and a recommendation round (choose 2), six ballots
    a group and round cast over the API; closed. Returns (campaign id, round ids)."""
    import psycopg2

    from ballots.tokens import token_hash
    from service.core.keys import keys
    api = lambda path, body: client.post(f"/api/v1/campaigns{path}", json=body, headers=organiser_key).json  # noqa: E731
    cid = api("", {"title": "2026 年度评议"})["id"]
    groups = [api(f"/{cid}/groups", {"name": n, "weight": w})["id"] for n, w in (("教师", 0.6), ("学生", 0.4))]
    orgs = [api(f"/{cid}/subjects", {"name": n, "kind": "organisation", "category": "党支部"})["id"]
            for n in ("护理系党支部", "药学系党支部")]
    people = [api(f"/{cid}/subjects", {"name": n, "kind": "person", "category": "党员"})["id"]
              for n in ("王丽华", "李建国", "张敏")]
    r1 = api(f"/{cid}/rounds", {"title": "师生测评", "kind": "evaluation"})["id"]
    r2 = api(f"/{cid}/rounds", {"title": "师生推荐", "kind": "recommendation"})["id"]
    s1 = api(f"/{cid}/sections", {"round_id": r1, "type": "rating", "title": "满意度",
                                  "config": {"category": "党支部"}})["id"]
    s2 = api(f"/{cid}/sections", {"round_id": r2, "type": "choose", "title": "推荐",
                                  "config": {"category": "党员", "max_choices": 2, "quota": 2}})["id"]
    for state in ("announced", "open"):
        assert client.post(f"/api/v1/campaigns/{cid}/transitions", json={"to": state},
                           headers=organiser_key).status_code == 200
    marks = ["满意", "满意", "基本满意", "不满意", "不了解", "满意"]
    picks = [[people[0], people[1]], [people[0]], [people[1], people[2]], [people[0], people[2]], [], [people[0]]]
    for rid, answer in ((r1, lambda i, g: {str(s1): {str(orgs[0]): marks[i], str(orgs[1]): marks[(i + g) % 6]}}),
                        (r2, lambda i, g: {str(s2): {"chosen": picks[(i + g) % 6]}} if picks[(i + g) % 6] else {})):
        for gi, gid in enumerate(groups):
            with client.application.app_context():
                minted = keys().minter.mint_many(rid, 6)
            with psycopg2.connect(client.application.config["DATABASE_DSN"]) as c, c.cursor() as cur:
                cur.execute("""INSERT INTO batches (campaign_id, round_id, group_id, kind, size, created_by)
                               VALUES (%s, %s, %s, 'print', 6, 'test') RETURNING id""", (cid, rid, gid))
                batch = cur.fetchone()[0]
                for t in minted:
                    cur.execute("INSERT INTO ballot_tokens VALUES (%s, %s, %s, %s, %s)",
                                (token_hash(t), cid, rid, gid, batch))
            c.close()
            for i, t in enumerate(minted):
                cast(client, t, answer(i, gi))
    client.post(f"/api/v1/campaigns/{cid}/transitions", json={"to": "closed"}, headers=organiser_key)
    return cid, (r1, r2)


def test_exports_open_correctly(client, organiser_key, make_key):
    """The XLSX read back with openpyxl says what the JSON results say, cell by cell (looked up by
    heading, not rebuilt with the exporter's own code); the CSV starts with the UTF-8 BOM."""
    import io

    from openpyxl import load_workbook
    cid, rounds = _two_round_campaign(client, organiser_key)
    url = f"/api/v1/campaigns/{cid}"
    r = client.get(f"{url}/results.csv", headers=organiser_key)
    assert r.status_code == 200 and r.data[:3] == b"\xef\xbb\xbf"  # the UTF-8 BOM
    csv_lines = r.data.decode("utf-8-sig").splitlines()
    assert csv_lines[0].startswith("轮次,题目,题型,对象") and "满意率" in csv_lines[0]
    x = client.get(f"{url}/results.xlsx", headers=make_key("results"))  # a portal's key will do
    assert x.status_code == 200
    wb = load_workbook(io.BytesIO(x.data))
    assert wb.sheetnames == ["师生测评", "师生推荐"]  # a sheet a round
    yes = lambda flag: "是" if flag else None  # noqa: E731
    checked = 0
    for ws, rid in zip(wb.worksheets, rounds):
        assert ws.freeze_panes == "A2"
        head, *body = list(ws.iter_rows(values_only=True))
        assert head[:5] == ("题目", "题型", "对象", "指标", "群体")
        cells = {(row[0], row[2], row[3] or "", row[4]): dict(zip(head, row)) for row in body}
        res = client.get(f"{url}/rounds/{rid}/results", headers=organiser_key).json
        names = {str(g["id"]): g["name"] for g in res["groups"]}
        assert all(not g["suppressed"] for g in res["groups"])
        for sec in res["sections"]:
            for item in sec.get("rows", []):
                row = cells[(sec["title"], item["name"], item["criterion"], "综合")]
                assert (row["有效评价"], row["满意率"], row["平均分"], row["排名"], row["达标"], row["后进"]) == \
                    (item["valid"], item["rate"], item["mean"], item["rank"], yes(item["passed"]),
                     yes(item["laggard"]))
                for gid, g in item["groups"].items():
                    row = cells[(sec["title"], item["name"], item["criterion"], names[gid])]
                    assert (row["有效评价"], row["满意率"], row["平均分"]) == (g["valid"], g["rate"], g["mean"])
                    checked += 1
            for item in sec.get("candidates", []):
                row = cells[(sec["title"], item["name"], "", "综合")]
                assert (row["得票"], row["得票率"], row["排名"], row["推荐"], row["需决选"]) == \
                    (item["votes"], item["share"], item["rank"], yes(item["recommended"]), yes(item["runoff"]))
                for gid, g in item["groups"].items():
                    row = cells[(sec["title"], item["name"], "", names[gid])]
                    assert (row["得票"], row["得票率"]) == (g["votes"], g["share"])
                    checked += 1
        assert len(body) == len(cells)  # no two rows for one subject and group
    assert checked == 2 * 2 + 3 * 2  # every group of every subject and candidate


def test_two_recommendations_three_evaluations_combine_by_source_weights(client, full_campaign, organiser_key,
                                                                         make_user, conn, login):
    url = f"/api/v1/campaigns/{full_campaign.id}"
    s, o = full_campaign.sections, full_campaign.orgs
    for choice in ("满意", "满意", "基本满意", "不满意"):  # 临床医学系党支部: (100+100+75+55)/4 = 82.5
        (token,) = full_campaign.tokens(1)
        cast(client, token, {str(s["rating"]): {str(o[0]): choice, str(o[1]): "满意"}})  # 护理系: 100
    r = client.put(f"{url}/scores", headers=organiser_key, json={"subject_id": o[0], "source": "organisation",
                                                                 "score": 90})
    assert r.status_code == 200 and r.json["source"] == "organisation"
    client.put(f"{url}/scores", headers=organiser_key, json={"subject_id": o[1], "source": "organisation",
                                                             "score": 70})
    client.put(f"{url}/scores", headers=organiser_key, json={"subject_id": o[0], "source": "leaders",
                                                             "score": 80, "comment": "工作扎实"})
    bad = client.put(f"{url}/scores", headers=organiser_key, json={"subject_id": o[0], "source": "leaders",
                                                                   "score": 101})
    assert bad.status_code == 422
    events = [e["action"] for e in client.get(f"{url}/events", headers=organiser_key).json]
    assert events.count("score.entered") == 3
    with conn.cursor() as cur:  # source weights 0.6 / 0.2 / 0.2 (set here: the fixture's campaign is open);
        # k = 1, or four ballots in all would publish no figure (ballots/tally.py, too_few)
        cur.execute("""UPDATE campaigns SET rules = rules || '{"sources": {"ballots": 0.6, "organisation": 0.2,
                       "leaders": 0.2}, "small_group_k": 1}'::jsonb WHERE id = %s""", (full_campaign.id,))
    conn.commit()
    client.post(f"{url}/transitions", json={"to": "closed"}, headers=organiser_key)
    c = client.get(f"{url}/composite", headers=organiser_key).json
    by = {x["subject_id"]: x for x in c["subjects"]}
    assert by[o[0]]["ballots"] == 82.5 and by[o[0]]["organisation"] == 90 and by[o[0]]["leaders"] == 80
    assert by[o[0]]["total"] == 83.5                   # 0.6·82.5 + 0.2·90 + 0.2·80 = 49.5 + 18 + 16
    assert by[o[1]]["total"] == 92.5                   # (0.6·100 + 0.2·70) / 0.8: no leader score yet
    assert (by[o[1]]["rank"], by[o[0]]["rank"]) == (1, 2)
    login(make_user("organiser"))  # the results page shows the same table
    detail = client.get(f"/admin/campaigns/{full_campaign.id}").get_data(as_text=True)
    assert "组织考评与领导点评" in detail and "weight-zero" not in detail  # both sources weigh here
    page = client.get(f"/admin/campaigns/{full_campaign.id}/results").get_data(as_text=True)
    table = page[page.index('id="composite"'):]
    assert "两推三评综合得分" in table and "权重：选票 0.6、组织考评 0.2、领导点评 0.2" in table
    rows = re.findall(r"<tr><td>(\d+)</td><td>([^<]+)</td>.*?<strong>([\d.]+)</strong></td>\s*<td class=\"small\">([^<]*)</td>",
                      table, re.S)
    assert rows == [("1", "护理系党支部", "92.5", "领导点评"), ("2", "临床医学系党支部", "83.5", "")]
    pdf = client.get(f"{url}/results.pdf", headers=organiser_key).data  # and so does the report
    text = re.sub(r"\s+", "", pdftotext(pdf))
    assert "两推三评综合得分权重：选票0.6、组织考评0.2、领导点评0.2" in text
    assert "1护理系党支部100.070.0—92.5领导点评" in text and "2临床医学系党支部82.590.080.083.5" in text
    import io

    import openpyxl
    sheet = openpyxl.load_workbook(io.BytesIO(client.get(f"{url}/results.xlsx", headers=organiser_key).data))["两推三评"]
    got = [[c.value for c in row] for row in sheet.iter_rows(max_row=3)]
    assert got == [["排名", "对象", "选票", "组织考评", "领导点评", "综合得分", "缺项"],
                   [1, "护理系党支部", 100, 70, None, 92.5, "领导点评"], [2, "临床医学系党支部", 82.5, 90, 80, 83.5, None]]


def test_scores_entered_from_the_campaign_page(client, full_campaign, make_user, login, organiser_key):
    token = login(make_user("organiser"))
    o = full_campaign.orgs
    page = client.get(f"/admin/campaigns/{full_campaign.id}").get_data(as_text=True)
    assert "组织考评与领导点评" in page
    # the fixture's campaign weighs no source but its ballots: each form says its scores count nowhere
    assert page.count('class="warn small weight-zero"') == 2 and "「领导点评」权重为 0" in page
    r = client.post(f"/admin/campaigns/{full_campaign.id}/scores", data={
        "csrf_token": token, "source": "leaders", f"score-{o[0]}": "88.5", f"comment-{o[0]}": "表率作用突出",
        f"score-{o[1]}": ""})
    assert r.status_code == 302
    assert "已保存 1 个评分" in client.get(r.headers["Location"]).get_data(as_text=True)
    bad = client.post(f"/admin/campaigns/{full_campaign.id}/scores", data={
        "csrf_token": token, "source": "leaders", f"score-{o[0]}": "120"})
    assert "评分：须在 0 至 100 之间" in client.get(bad.headers["Location"]).get_data(as_text=True)
    (entry,) = client.get(f"/api/v1/campaigns/{full_campaign.id}/scores", headers=organiser_key).json
    assert (entry["subject_id"], entry["score"], entry["comment"]) == (o[0], 88.5, "表率作用突出")


def test_source_weights_from_the_rules_form(client, make_campaign, make_user, login, organiser_key):
    cid = make_campaign(ready=False)
    token = login(make_user("organiser"))
    r = client.post(f"/admin/campaigns/{cid}/edit", data={
        "csrf_token": token, "title": "两推三评", "pass_line": "0.8", "laggard_share": "0.3333",
        "quorum_share": "0.6667", "quorum_base": "issued", "majority_threshold": "more_than_half",
        "majority_base": "valid", "weight_base": "returned", "small_group_k": "5", "publicity_days": "5",
        "sources_ballots": "0.6", "sources_organisation": "0.2", "sources_leaders": "0.2"})
    assert r.status_code == 302
    rules = client.get(f"/api/v1/campaigns/{cid}", headers=organiser_key).json["rules"]
    assert rules["sources"] == {"ballots": 0.6, "organisation": 0.2, "leaders": 0.2}


def test_the_pdf_report(client, full_campaign, organiser_key, tmp_path):
    import subprocess
    s, o, p = full_campaign.sections, full_campaign.orgs, full_campaign.people
    for i in range(8):
        (token,) = full_campaign.tokens(1, group=i % 2)
        cast(client, token, {str(s["rating"]): {str(o[0]): "满意", str(o[1]): "基本满意"},
                             str(s["choose"]): {"chosen": [p[0]]}})
    url = f"/api/v1/campaigns/{full_campaign.id}"
    client.post(f"{url}/transitions", json={"to": "closed"}, headers=organiser_key)
    r = client.get(f"{url}/results.pdf", headers=organiser_key)
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    (tmp_path / "r.pdf").write_bytes(r.data)
    text = subprocess.run(["pdftotext", "-layout", str(tmp_path / "r.pdf"), "-"], capture_output=True, text=True,
                          check=True).stdout
    for needle in ("计票结果报告", "师生测评", "临床医学系党支部", "100.0%", "王丽华", "推荐", "有效门槛", "√",
                   "超过半数", "赞成率"):  # the rule's name over its column; approve sections as 赞成率
        assert needle in text, needle
    # The key that signed the close's checkpoints, where it is served, and the checkpoints (docs/audit.md).
    key = client.get("/audit/key").get_data(as_text=True).split()[0]
    flat = text.replace("\n", "").replace(" ", "")
    assert "核验信息" in text and "/audit/key" in text and key in flat and "pingyi-kindclose1" in flat
    rasterise(tmp_path / "r.pdf", tmp_path / "page", 60, "-f", "1", "-l", "1", "-singlefile")  # every glyph drawn


def test_sheet_names_every_spreadsheet_program_takes():
    used = set()
    assert _sheet_title("'abc'", used) == "abc"
    assert _sheet_title("History", used) != "History"
    long = "师生测评" * 10
    names = [_sheet_title(long, used) for _ in range(12)]
    assert len(set(names)) == 12 and all(len(n) <= 31 for n in names)
    assert _sheet_title("ABC", used).lower() != "abc"  # unique regardless of case


def test_a_group_issued_nothing_reads_as_zero_issued(client, full_campaign, organiser_key):
    for token in full_campaign.tokens(5):  # the teachers only: the students were issued nothing
        assert cast(client, token, {}).status_code == 201
    url = f"/api/v1/campaigns/{full_campaign.id}"
    client.post(f"{url}/transitions", json={"to": "closed"}, headers=organiser_key)
    rid = client.get(url, headers=organiser_key).json["rounds"][0]["id"]
    groups = client.get(f"{url}/rounds/{rid}/results", headers=organiser_key).json["groups"]
    assert [(g["issued"], g["ballots"]) for g in groups] == [(5, 5), (0, 0)]


def test_another_campaigns_round_is_not_found_whatever_the_state(client, full_campaign, organiser_key, make_campaign):
    other = make_campaign()  # a draft: its round is no round of the open full campaign, nor the reverse
    rid = client.get(f"/api/v1/campaigns/{other}", headers=organiser_key).json["rounds"][0]["id"]
    r = client.get(f"/api/v1/campaigns/{full_campaign.id}/rounds/{rid}/results", headers=organiser_key)
    assert r.status_code == 404, r.json


def pdftotext(data: bytes) -> str:
    import subprocess
    return subprocess.run(["pdftotext", "-", "-"], input=data, capture_output=True, check=True).stdout.decode()
