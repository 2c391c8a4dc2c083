"""Rankings and rounding as offices expect: a rating section ranks by its rule (满意率 for a
satisfaction survey, 综合得分 for a member evaluation, or as set) and says so above the table;
figures are shown rounded half up; ballot thresholds are whole ballots."""
from __future__ import annotations

import hashlib
import subprocess

import psycopg2
import pytest

from ballots import display
from ballots.sections import rank_key


@pytest.fixture
def closed_round(client, organiser_key):
    """Two branches: 甲 96.7% 满意率 with a low score, 乙 85.0% with a high one; 30 of 31 ballots cast."""
    api = lambda path, body: client.post(f"/api/v1/campaigns{path}", json=body, headers=organiser_key)  # noqa: E731
    cid = api("", {"title": "基层党组织满意度测评", "description": ""}).json["id"]
    group = api(f"/{cid}/groups", {"name": "全体教职工", "weight": 1}).json["id"]
    a = api(f"/{cid}/subjects", {"name": "甲支部", "kind": "organisation", "category": "支部"}).json["id"]
    b = api(f"/{cid}/subjects", {"name": "乙支部", "kind": "organisation", "category": "支部"}).json["id"]
    p = api(f"/{cid}/subjects", {"name": "王丽华", "kind": "person", "category": "党员"}).json["id"]
    rnd = api(f"/{cid}/rounds", {"title": "测评", "kind": "evaluation"}).json["id"]
    sat = api(f"/{cid}/sections", {"round_id": rnd, "type": "rating", "title": "满意度",
                                   "config": {"category": "支部"}}).json["id"]
    worst = api(f"/{cid}/sections", {"round_id": rnd, "type": "rating", "title": "不满意度",
                                     "config": {"category": "支部", "rank_by": "unfavourable"}}).json["id"]
    member = api(f"/{cid}/sections", {"round_id": rnd, "type": "rating", "title": "党员评议",
                                      "config": {"category": "党员", "scale": "member"}}).json["id"]
    score = api(f"/{cid}/sections", {"round_id": rnd, "type": "score", "title": "打分", "subject_ids": [p]}).json["id"]
    for state in ("announced", "open"):
        assert api(f"/{cid}/transitions", {"to": state}).status_code == 200
    from service.core.keys import keys
    with client.application.app_context():
        tokens = keys().minter.mint_many(rnd, 31)
    with psycopg2.connect(client.application.config["DATABASE_DSN"]) as c, c.cursor() as cur:
        cur.execute("""INSERT INTO batches (campaign_id, round_id, group_id, kind, layout, size, created_by)
                       VALUES (%s, %s, %s, 'print', 'slips-3x6', 31, 'test') RETURNING id""", (cid, rnd, group))
        batch = cur.fetchone()[0]
        for t in tokens:
            cur.execute("INSERT INTO ballot_tokens VALUES (%s, %s, %s, %s, %s)",
                        (hashlib.sha256(t.encode()).digest(), cid, rnd, group, batch))
    c.close()
    marks_a = ["满意"] + ["基本满意"] * 28 + ["不满意"]                 # 29/30 = 96.7%, score 75.2
    marks_b = ["满意"] * 17 + ["不满意"] * 3 + ["不了解"] * 10          # 17/20 = 85.0%, score 93.3
    for i in range(30):
        answers = {str(sat): {str(a): marks_a[i], str(b): marks_b[i]},
                   str(worst): {str(a): marks_a[i], str(b): marks_b[i]},
                   str(member): {str(p): "优秀" if i < 10 else "合格"}}
        if i < 2:
            answers[str(score)] = {str(p): (82.5, 82)[i]}  # mean 82.25: 82.3 half up, 82.2 half to even
        r = client.post("/api/v1/ballots:cast", json={"token": tokens[i], "answers": answers})
        assert r.status_code == 201, r.json
    assert api(f"/{cid}/transitions", {"to": "closed"}).status_code == 200
    return type("Round", (), {"cid": cid, "rnd": rnd, "a": a, "b": b, "sat": sat, "worst": worst,
                              "member": member, "score": score})


def test_each_section_ranks_by_its_rule(client, organiser_key, closed_round):
    r = client.get(f"/api/v1/campaigns/{closed_round.cid}/rounds/{closed_round.rnd}/results",
                   headers=organiser_key).json
    secs = {s["id"]: s for s in r["sections"]}
    sat = {row["subject_id"]: row for row in secs[closed_round.sat]["rows"]}
    assert secs[closed_round.sat]["rank_by"] == "rate"
    assert sat[closed_round.a]["rank"] == 1 and sat[closed_round.b]["rank"] == 2  # 96.7% before 85.0%
    assert sat[closed_round.a]["mean"] < sat[closed_round.b]["mean"]  # though its score is lower
    worst = {row["subject_id"]: row for row in secs[closed_round.worst]["rows"]}
    assert secs[closed_round.worst]["rank_by"] == "unfavourable"
    assert worst[closed_round.a]["rank"] == 1  # 1/30 不满意 is the fewest: first
    assert secs[closed_round.member]["rank_by"] == "mean"
    assert rank_key("rating", {"scale": "member"}) == "mean" and rank_key("approve", {}) == "rate"


def test_the_results_page_names_the_ranking_and_rounds_half_up(client, closed_round, make_user, login):
    login(make_user("viewer"))
    html = client.get(f"/admin/campaigns/{closed_round.cid}/results").get_data(as_text=True)
    sat = html.split(">满意度</h3>", 1)[1].split("</table>", 1)[0]
    assert "按满意率排名（高者在前）" in sat
    assert sat.index("甲支部") < sat.index("乙支部") and "96.7%" in sat and "85.0%" in sat
    assert "按不满意率排名（低者在前）" in html and "按综合得分排名（高者在前）" in html
    scores = html.split(">打分</h3>", 1)[1].split("</table>", 1)[0]
    assert "82.3" in scores and "82.2" not in scores
    assert "收回 30 张，需 ≥ 21 张" in html and "20.667" not in html  # 2/3 of 31 issued, in whole ballots


def test_the_pdf_report_says_the_same(client, organiser_key, closed_round, tmp_path):
    pdf = client.get(f"/api/v1/campaigns/{closed_round.cid}/results.pdf", headers=organiser_key).get_data()
    (tmp_path / "r.pdf").write_bytes(pdf)
    text = subprocess.run(["pdftotext", "-layout", str(tmp_path / "r.pdf"), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "需 ≥ 21 张" in text and "按满意率排名（高者在前）" in text and "82.3" in text
    assert text.index("甲支部") < text.index("乙支部")


@pytest.mark.parametrize("value,shown", [(0.8225, "82.3%"), (0.8235, "82.4%"), (0.0005, "0.1%"), (1, "100.0%"),
                                         (None, "—")])
def test_percentages_round_half_up(value, shown):
    assert display.pct(value) == shown
    assert display.num(82.25) == "82.3" and display.num(82.35) == "82.4" and display.num(2.5, 0) == "3"
    assert f"{82.25:.1f}" == "82.2"  # what the pages printed before: half to even


def test_a_figure_is_rounded_once_not_twice():
    """1 of 22 teachers and 18 of 97 students 满意, weighted 0.6 / 0.4: exactly 10.14995…%, which
    rounds half up to 10.1% — not to 10.2% through an earlier rounding to six places."""
    from fractions import Fraction

    from ballots import forms
    from ballots.tally import Counts, tally
    sec = forms.FormSection(1, "rating", "满意度", {"scale": "satisfaction"}, [forms.Row("7", 7, "甲支部")])
    counts = Counts()
    counts.ballots = {1: 22, 2: 97}
    counts.options.update({(1, 1, "7", "满意"): 1, (1, 1, "7", "不满意"): 21,
                           (1, 2, "7", "满意"): 18, (1, 2, "7", "不满意"): 79})
    groups = [{"id": 1, "name": "教师", "weight": 0.6, "eligible": None},
              {"id": 2, "name": "学生", "weight": 0.4, "eligible": None}]
    rate = tally([sec], groups, counts, {"small_group_k": 1})["sections"][0]["rows"][0]["rate"]
    exact = Fraction(3, 5) * Fraction(1, 22) + Fraction(2, 5) * Fraction(18, 97)
    assert abs(rate - float(exact)) < 1e-12 and display.pct(rate) == "10.1%"
