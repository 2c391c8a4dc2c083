"""Results and turnout from the database: SQL counts equal a recount of the stored ballots."""
from __future__ import annotations

import json

from ballots import forms
from ballots.tally import counts_from_ballots, tally
from service.queries.results import count_round


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


def test_exports_open_correctly(client, full_campaign, organiser_key, make_key):
    import io

    from openpyxl import load_workbook

    from service.exports import HEADINGS, result_rows
    for i, a in enumerate([full_campaign.valid, {}, full_campaign.valid] * 2):
        (token,) = full_campaign.tokens(1, group=i % 2)
        cast(client, token, a)
    url = f"/api/v1/campaigns/{full_campaign.id}"
    client.post(f"{url}/transitions", json={"to": "closed"}, headers=organiser_key)
    r = client.get(f"{url}/results.csv", headers=organiser_key)
    assert r.status_code == 200 and r.data[:3] == b"\xef\xbb\xbf"  # the UTF-8 BOM
    assert "满意率" in r.data.decode("utf-8-sig").splitlines()[0]
    results = client.get(f"{url}/rounds/{full_campaign.round}/results", headers=organiser_key).json
    x = client.get(f"{url}/results.xlsx", headers=organiser_key)
    wb = load_workbook(io.BytesIO(x.data))
    (ws,) = wb.worksheets
    assert ws.title == "师生测评" and ws.freeze_panes == "A2"
    rows = [[c if c is not None else None for c in row] for row in ws.iter_rows(values_only=True)]
    assert rows[0] == HEADINGS
    expected = [[("" if v == "" else v) for v in row] for row in result_rows(results)]
    got = [[("" if v is None and e == "" else v) for v, e in zip(row, exp)] for row, exp in zip(rows[1:], expected)]
    assert got == expected and len(rows) - 1 == len(expected) > 10
    assert client.get(f"{url}/results.xlsx", headers=make_key("results")).status_code == 200  # a portal's key



def test_two_recommendations_three_evaluations_combine_by_source_weights(client, full_campaign, organiser_key,
                                                                         make_user, conn):
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
    with conn.cursor() as cur:  # source weights 0.6 / 0.2 / 0.2 (set here: the fixture's campaign is open)
        cur.execute("""UPDATE campaigns SET rules = rules || '{"sources": {"ballots": 0.6, "organisation": 0.2,
                       "leaders": 0.2}}'::jsonb WHERE id = %s""", (full_campaign.id,))
    conn.commit()
    client.post(f"{url}/transitions", json={"to": "closed"}, headers=organiser_key)
    c = client.get(f"{url}/composite", headers=organiser_key).json
    by = {x["subject_id"]: x for x in c["subjects"]}
    assert by[o[0]]["ballots"] == 82.5 and by[o[0]]["organisation"] == 90 and by[o[0]]["leaders"] == 80
    assert by[o[0]]["total"] == 83.5                   # 0.6·82.5 + 0.2·90 + 0.2·80 = 49.5 + 18 + 16
    assert by[o[1]]["total"] == 92.5                   # (0.6·100 + 0.2·70) / 0.8: no leader score yet
    assert (by[o[1]]["rank"], by[o[0]]["rank"]) == (1, 2)


def test_scores_entered_from_the_campaign_page(client, full_campaign, make_user, login, organiser_key):
    token = login(make_user("organiser"))
    o = full_campaign.orgs
    page = client.get(f"/admin/campaigns/{full_campaign.id}").get_data(as_text=True)
    assert "组织考评与领导点评" in page
    r = client.post(f"/admin/campaigns/{full_campaign.id}/scores", data={
        "csrf_token": token, "source": "leaders", f"score-{o[0]}": "88.5", f"comment-{o[0]}": "表率作用突出",
        f"score-{o[1]}": ""})
    assert r.status_code == 302
    assert "已保存 1 个评分" in client.get(r.headers["Location"]).get_data(as_text=True)
    bad = client.post(f"/admin/campaigns/{full_campaign.id}/scores", data={
        "csrf_token": token, "source": "leaders", f"score-{o[0]}": "120"})
    assert "数值超出范围" in client.get(bad.headers["Location"]).get_data(as_text=True)
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
    for needle in ("计票结果报告", "师生测评", "临床医学系党支部", "100.0%", "王丽华", "推荐", "有效门槛", "√"):
        assert needle in text, needle
    subprocess.run(["pdftoppm", "-r", "60", "-f", "1", "-l", "1", "-png", "-singlefile", str(tmp_path / "r.pdf"),
                    str(tmp_path / "page")], check=True)
    assert (tmp_path / "page.png").stat().st_size > 5000
