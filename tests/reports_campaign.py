"""A closed campaign for the report tests: three groups (校领导 returns 3 ballots, fewer than
small_group_k = 5, so its figures are withheld), an evaluation round (a satisfaction grid, a
score section, an approve section) and a recommendation round (choose 2 of 4, a write-in)."""
from __future__ import annotations

import json

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
