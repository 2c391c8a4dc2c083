"""The paper count (issue 14, docs/paper.md): two tellers key each paper ballot; equal entries
count, differing ones go to a supervisor; a section breaking a rule is 废票 with its reason; a
blank sheet is an abstention; a slip used on a phone is a duplicate, never counted twice; the
settled ballot is sealed and mixed as a phone's, marked paper, and verifies in the bundle."""
from __future__ import annotations

import io
import re
import subprocess

import psycopg2
import pytest

from ballots import forms, verify
from tests.helpers import bundle_of

OPEN, ENTER, DISPUTE, DECIDE = "/api/v1/paper:open", "/api/v1/paper:enter", "/api/v1/paper:dispute", "/api/v1/paper:decide"


@pytest.fixture
def staff(app, make_user, login):
    """Signed-in clients: two tellers, a supervisor and a viewer, each posting with its CSRF header."""
    out = {}
    for name, role in (("teller1", "teller"), ("teller2", "teller"), ("teller3", "teller"),
                       ("supervisor", "supervisor"), ("viewer", "viewer")):
        c = app.test_client()
        csrf = login(make_user(role), c)
        out[name] = _Poster(c, csrf)
    return out


class _Poster:
    def __init__(self, client, csrf):
        self.client, self.csrf = client, csrf

    def __call__(self, path, body):
        return self.client.post(path, json=body, headers={"X-CSRF-Token": self.csrf})


def _rows(database, sql, args=()):
    with psycopg2.connect(database) as c, c.cursor() as cur:
        cur.execute(sql, args)
        rows = cur.fetchall()
    c.close()
    return rows


def _close(client, organiser_key, campaign):
    return client.post(f"/api/v1/campaigns/{campaign.id}/transitions", json={"to": "closed"}, headers=organiser_key)


def _paper_ballots(database, campaign):
    return _rows(database, "SELECT answers, source, id::text, group_id, tracker FROM ballots WHERE round_id = %s "
                           "AND source = 'paper'", (campaign.round,))


def test_two_equal_entries_count_one_paper_ballot(client, full_campaign, staff, organiser_key, auditor_key, database):
    (token,) = full_campaign.tokens(1)
    opened = staff["teller1"](OPEN, {"code": forms_code(token)})
    assert opened.status_code == 200 and opened.json["state"] == "first_entry", opened.json
    assert [s["type"] for s in opened.json["sections"]] == ["rating", "choose", "approve", "score", "text"]
    first = staff["teller1"](ENTER, {"code": token, "answers": full_campaign.valid})
    assert first.json == {"outcome": "first_entry"}
    assert staff["teller1"](OPEN, {"code": token}).json["state"] == "waiting"
    assert staff["teller2"](OPEN, {"code": token}).json["state"] == "second_entry"
    same = staff["teller1"](ENTER, {"code": token, "answers": full_campaign.valid})
    assert same.status_code == 409 and same.json["error"]["code"] == "paper_same_teller"
    # Entries are sealed under a key from the slip's code: the write-in is not in the table's bytes.
    (entries,) = _rows(database, "SELECT entries FROM paper_sheets")
    assert "赵静".encode() not in bytes(entries[0])
    assert "希望加强实验室开放".encode() not in bytes(entries[0])
    second = staff["teller2"](ENTER, {"code": token, "answers": full_campaign.valid})
    assert second.status_code == 200 and second.json == {"outcome": "counted", "spoiled_sections": []}
    assert _rows(database, "SELECT count(*) FROM paper_sheets") == [(0,)]
    assert _rows(database, "SELECT count(*) FROM ballot_tokens") == [(0,)]  # spent as a cast spends it
    again = staff["teller3"](ENTER, {"code": token, "answers": full_campaign.valid})
    assert again.status_code == 409 and again.json["error"]["code"] == "paper_sheet_settled"
    assert staff["teller3"](OPEN, {"code": token}).json["state"] == "counted"
    summary = client.get(f"/api/v1/campaigns/{full_campaign.id}/paper", headers=organiser_key).json
    assert summary["rounds"][0]["counted"] == 1 and summary["rounds"][0]["keyed_once"] == 0
    assert _close(client, organiser_key, full_campaign).status_code == 200
    (ballot,) = _paper_ballots(database, full_campaign)
    assert ballot[0] == full_campaign.valid
    # The tracker commits to the ballot being paper; the bundle verifies.
    assert bytes(ballot[4]) == forms.tracker(ballot[2], full_campaign.round, ballot[3], ballot[0], "paper")
    steps = list(verify.verify(io.BytesIO(bundle_of(client, auditor_key, full_campaign))))
    assert all(s.status == verify.PASS for s in steps), [(s.number, s.status, s.details) for s in steps]


def forms_code(token):
    """The slip's code as a USB scanner types its QR code: the whole URL."""
    return f"HTTPS://PINGYI.EXAMPLE.EDU.CN/B/{token}"


def test_differing_entries_go_to_the_supervisor_who_decides(client, full_campaign, staff, organiser_key, database):
    (token,) = full_campaign.tokens(1, group=1)
    other = {**full_campaign.valid, str(full_campaign.sections["approve"]): {str(full_campaign.people[0]): "不赞成"}}
    assert staff["teller1"](ENTER, {"code": token, "answers": full_campaign.valid}).json["outcome"] == "first_entry"
    assert staff["teller2"](ENTER, {"code": token, "answers": other}).json == {"outcome": "disputed"}
    third = staff["teller3"](ENTER, {"code": token, "answers": full_campaign.valid})
    assert third.status_code == 409 and third.json["error"]["code"] == "paper_sheet_disputed"
    assert staff["teller3"](OPEN, {"code": token}).json["state"] == "disputed"
    refused = staff["teller1"](DISPUTE, {"code": token})
    assert refused.status_code == 403  # a teller does not decide
    shown = staff["supervisor"](DISPUTE, {"code": token})
    assert shown.status_code == 200
    assert [e["answers"] for e in shown.json["entries"]] == [full_campaign.valid, other]
    assert len({e["teller"] for e in shown.json["entries"]}) == 2
    decided = staff["supervisor"](DECIDE, {"code": token, "answers": other})
    assert decided.json == {"outcome": "counted", "spoiled_sections": []}
    again = staff["supervisor"](DECIDE, {"code": token, "answers": other})
    assert again.status_code == 409 and again.json["error"]["code"] == "paper_sheet_settled"
    assert _close(client, organiser_key, full_campaign).status_code == 200
    (ballot,) = _paper_ballots(database, full_campaign)
    assert ballot[0] == other and ballot[3] == full_campaign.groups[1]
    actions = [a for (a,) in _rows(database, "SELECT type FROM audit_log WHERE type LIKE 'paper.%%' ORDER BY height")]
    assert actions == ["paper.keyed", "paper.keyed", "paper.disputed", "paper.decided"]


def test_a_section_breaking_a_rule_is_spoiled_with_its_reason(client, full_campaign, staff, organiser_key, database):
    (token,) = full_campaign.tokens(1)
    choose = str(full_campaign.sections["choose"])
    marks = {**full_campaign.valid, choose: {"chosen": full_campaign.people[:3], "write_ins": []}}  # 3 of at most 2
    assert staff["teller1"](ENTER, {"code": token, "answers": marks}).json["outcome"] == "first_entry"
    settled = staff["teller2"](ENTER, {"code": token, "answers": marks})
    assert settled.status_code == 200, settled.json
    assert settled.json["outcome"] == "counted"
    assert settled.json["spoiled_sections"] == [{"section_id": int(choose), "reason": "限选 2 人，已选 3 人"}]
    summary = client.get(f"/api/v1/campaigns/{full_campaign.id}/paper", headers=organiser_key).json["rounds"][0]
    assert summary["spoiled_sections"] == [{"section_id": int(choose), "reason": "限选 2 人，已选 3 人", "n": 1}]
    assert _close(client, organiser_key, full_campaign).status_code == 200
    (ballot,) = _paper_ballots(database, full_campaign)
    assert choose not in ballot[0]  # the spoiled section counts for no one
    assert ballot[0] == {k: v for k, v in full_campaign.valid.items() if k != choose}


def test_a_blank_sheet_is_an_abstention(client, full_campaign, staff, organiser_key, database):
    (token,) = full_campaign.tokens(1)
    staff["teller1"](ENTER, {"code": token, "answers": {}})
    assert staff["teller2"](ENTER, {"code": token, "answers": {}}).json["outcome"] == "counted"
    assert _close(client, organiser_key, full_campaign).status_code == 200
    assert [b[0] for b in _paper_ballots(database, full_campaign)] == [{}]
    turnout = client.get(f"/api/v1/campaigns/{full_campaign.id}/turnout", headers=organiser_key).json
    assert sum(g["cast"] for r in turnout["rounds"] for g in r["groups"]) == 1


def test_a_slip_cast_on_a_phone_is_a_duplicate_on_paper(client, full_campaign, staff, organiser_key, database):
    first, second = full_campaign.tokens(2)
    assert client.post("/api/v1/ballots:cast", json={"token": first, "answers": full_campaign.valid}).status_code == 201
    opened = staff["teller1"](OPEN, {"code": first})
    assert opened.json == {"state": "duplicate", "round_id": full_campaign.round}
    entered = staff["teller2"](ENTER, {"code": first, "answers": full_campaign.valid})
    assert entered.status_code == 409 and entered.json["error"]["details"]["outcome"] == "重复票，不计入"
    # Keyed once on paper: its token is spent then, so the slip cannot also vote on a phone.
    staff["teller1"](ENTER, {"code": second, "answers": {}})
    phone = client.post("/api/v1/ballots:cast", json={"token": second, "answers": full_campaign.valid})
    assert phone.status_code == 409 and phone.json["error"]["code"] == "ballot_used"
    assert staff["teller2"](ENTER, {"code": second, "answers": {}}).json["outcome"] == "counted"
    summary = client.get(f"/api/v1/campaigns/{full_campaign.id}/paper", headers=organiser_key).json["rounds"][0]
    assert summary["duplicates"] == 1 and summary["counted"] == 1
    assert _close(client, organiser_key, full_campaign).status_code == 200
    assert _rows(database, "SELECT source, count(*) FROM ballots GROUP BY source ORDER BY source") == [
        ("online", 1), ("paper", 1)]


def test_a_supervisor_who_keyed_a_sheet_does_not_decide_it(client, full_campaign, staff):
    (token,) = full_campaign.tokens(1)
    staff["supervisor"](ENTER, {"code": token, "answers": {}})
    staff["teller1"](ENTER, {"code": token, "answers": full_campaign.valid})
    r = staff["supervisor"](DECIDE, {"code": token, "answers": {}})
    assert r.status_code == 409 and r.json["error"]["code"] == "paper_decider_keyed"


def test_a_supervisor_spoils_a_whole_sheet_with_a_reason(client, full_campaign, staff, organiser_key, database):
    (token,) = full_campaign.tokens(1)
    staff["teller1"](ENTER, {"code": token, "answers": {}})
    staff["teller2"](ENTER, {"code": token, "answers": full_campaign.valid})
    both = staff["supervisor"](DECIDE, {"code": token, "answers": {}, "spoiled": "x"})
    assert both.status_code == 422  # one of the two
    r = staff["supervisor"](DECIDE, {"code": token, "spoiled": "选票上写有姓名"})
    assert r.json == {"outcome": "spoiled"}
    summary = client.get(f"/api/v1/campaigns/{full_campaign.id}/paper", headers=organiser_key).json["rounds"][0]
    assert summary["spoiled_ballots"] == [{"reason": "选票上写有姓名", "n": 1}]
    assert _rows(database, "SELECT count(*) FROM ballot_tokens") == [(0,)]  # the slip cannot vote on a phone now
    assert client.post("/api/v1/ballots:cast", json={"token": token, "answers": {}}).status_code == 409
    assert _close(client, organiser_key, full_campaign).status_code == 200
    assert _paper_ballots(database, full_campaign) == []


def test_bad_entries_are_refused_and_change_nothing(client, full_campaign, staff, fingerprint):
    (token,) = full_campaign.tokens(1)
    before = fingerprint()
    rating = str(full_campaign.sections["rating"])
    for body, status in (({"code": token, "answers": {rating: {str(full_campaign.orgs[0]): "很好"}}}, 422),
                         ({"code": token, "answers": {"999999": "x"}}, 422),
                         ({"code": token, "answers": []}, 422),
                         ({"code": token, "answers": {}, "extra": 1}, 422),
                         ({"code": "0" * 28, "answers": {}}, 404)):
        r = staff["teller1"](ENTER, body)
        assert r.status_code == status, (body, r.json)
    assert staff["viewer"](ENTER, {"code": token, "answers": {}}).status_code == 403
    assert staff["teller1"](DECIDE, {"code": token, "spoiled": "x"}).status_code == 403
    assert fingerprint() == before


def test_the_close_waits_for_the_paper_count(client, full_campaign, staff, organiser_key):
    (token,) = full_campaign.tokens(1)
    staff["teller1"](ENTER, {"code": token, "answers": {}})
    r = _close(client, organiser_key, full_campaign)
    assert r.status_code == 409 and r.json["error"]["code"] == "paper_pending"
    assert r.json["error"]["details"]["pending"] == 1
    staff["teller2"](ENTER, {"code": token, "answers": {}})
    assert _close(client, organiser_key, full_campaign).status_code == 200
    after = staff["teller1"](OPEN, {"code": full_campaign.tokens(1)[0]})
    assert after.status_code == 409 and after.json["error"]["code"] == "voting_closed"


def test_no_table_keeps_a_settled_sheets_tellers_or_code(client, full_campaign, staff, organiser_key, database):
    """After the count, nothing names which teller keyed which ballot, and no row holds the slip's
    token hash: the sheet's name is a hash under its own domain."""
    from ballots import tokens as tk
    (token,) = full_campaign.tokens(1)
    staff["teller1"](ENTER, {"code": token, "answers": full_campaign.valid})
    staff["teller2"](ENTER, {"code": token, "answers": full_campaign.valid})
    assert _close(client, organiser_key, full_campaign).status_code == 200
    (settled,) = _rows(database, "SELECT sheet, outcome FROM paper_settled")
    assert bytes(settled[0]) != tk.token_hash(token) and settled[1] == "counted"
    assert _rows(database, "SELECT count(*) FROM paper_sheets") == [(0,)]
    events = _rows(database, "SELECT payload FROM audit_log WHERE type LIKE 'paper.%%'")
    assert events and all(token not in d and "赵静" not in d for (d,) in events)


def test_the_pages_key_a_sheet_twice_and_show_a_dispute_side_by_side(client, full_campaign, staff, organiser_key,
                                                                      database):
    (token,) = full_campaign.tokens(1)
    rating, choose = full_campaign.sections["rating"], full_campaign.sections["choose"]
    org = full_campaign.orgs[0]

    def post(who, path, fields):
        c = staff[who]
        return c.client.post(path, data={"csrf_token": c.csrf, **fields}, follow_redirects=True)

    index = staff["teller1"].client.get("/admin/paper").get_data(as_text=True)
    assert "扫描或输入票码" in index and full_campaign.id and "2026 年度师生满意度测评" in index
    form = post("teller1", "/admin/paper/sheet", {"code": forms_code(token)}).get_data(as_text=True)
    assert "第一次录入" in form and "临床医学系党支部" in form and 'name="code"' in form
    assert token not in staff["teller1"].client.get("/admin/paper").request.url
    marks = {"code": token, f"s{rating}:{org}": "满意", f"s{choose}:chosen": str(full_campaign.people[1]),
             f"s{choose}:write_in": ""}
    told = post("teller1", "/admin/paper/enter", marks).get_data(as_text=True)
    assert "第一次录入已保存" in told
    differing = {**marks, f"s{rating}:{org}": "不满意"}
    assert "已交监票人裁定" in post("teller2", "/admin/paper/enter", differing).get_data(as_text=True)
    shown = post("supervisor", "/admin/paper/sheet", {"code": token}).get_data(as_text=True)
    assert "裁定" in shown and shown.count('class="differs"') == 1
    assert "满意" in shown and "不满意" in shown and "整张作废" in shown
    # The decide form starts from what the entries agree on: the disputed row is left to the paper.
    assert f'name="s{rating}:{org}" value="" checked' in shown
    assert f'name="s{rating}:{org}" value="满意" checked' not in shown
    decided = post("supervisor", "/admin/paper/decide", differing).get_data(as_text=True)
    assert "已计入" in decided
    assert _close(client, organiser_key, full_campaign).status_code == 200
    (ballot,) = _paper_ballots(database, full_campaign)
    assert ballot[0] == {str(rating): {str(org): "不满意"}, str(choose): {"chosen": [full_campaign.people[1]]}}


def test_a_page_entry_equals_the_same_marks_over_the_api(client, full_campaign, staff, organiser_key, database):
    """Blank fields of the page and omitted keys of the API are one entry: the two agree."""
    (token,) = full_campaign.tokens(1)
    rating, org = full_campaign.sections["rating"], full_campaign.orgs[1]
    c = staff["teller1"]
    c.client.post("/admin/paper/enter", data={"csrf_token": c.csrf, "code": token, f"s{rating}:{org}": "基本满意"})
    r = staff["teller2"](ENTER, {"code": token, "answers": {str(rating): {str(org): "基本满意"}}})
    assert r.json["outcome"] == "counted", r.json


def test_the_results_show_paper_and_online_apart_and_together(client, full_campaign, staff, organiser_key, login,
                                                              make_user, tmp_path):
    online, paper_one, paper_two, spoiled = full_campaign.tokens(4)
    assert client.post("/api/v1/ballots:cast", json={"token": online, "answers": full_campaign.valid}).status_code == 201
    for token in (paper_one, paper_two):
        staff["teller1"](ENTER, {"code": token, "answers": full_campaign.valid})
        staff["teller2"](ENTER, {"code": token, "answers": full_campaign.valid})
    staff["teller1"](ENTER, {"code": spoiled, "answers": {}})
    staff["teller2"](ENTER, {"code": spoiled, "answers": full_campaign.valid})
    staff["supervisor"](DECIDE, {"code": spoiled, "spoiled": "票面有署名"})
    staff["teller1"](OPEN, {"code": online})  # the phone's slip found in the box: a duplicate
    assert _close(client, organiser_key, full_campaign).status_code == 200
    r = client.get(f"/api/v1/campaigns/{full_campaign.id}/rounds/{full_campaign.round}/results", headers=organiser_key)
    assert r.json["ballots"] == 3
    assert r.json["by_source"] == {"online": 1, "paper": 2, "total": 3, "duplicates": 1, "spoiled_sections": [],
                                   "spoiled_ballots": [{"reason": "票面有署名", "n": 1}]}
    login(make_user("organiser"))
    page = client.get(f"/admin/campaigns/{full_campaign.id}/results").get_data(as_text=True)
    line = ("其中电子票 1 张、纸质票 2 张，合计 3 张；纸质票整张作废 1 张（票面有署名 1 张），不计入；"
            "重复票 1 张（票码已在手机上投过），不计入。")
    assert line in page
    pdf = client.get(f"/api/v1/campaigns/{full_campaign.id}/results.pdf", headers=organiser_key)  # the report says it too
    path = tmp_path / "results.pdf"
    path.write_bytes(pdf.data)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert re.sub(r"\s+", "", line) in re.sub(r"\s+", "", text)


def test_a_row_marked_twice_is_spoiled_with_its_reason(client, full_campaign, staff, organiser_key, database):
    (token,) = full_campaign.tokens(1)
    rating, org, other = str(full_campaign.sections["rating"]), str(full_campaign.orgs[0]), str(full_campaign.orgs[1])
    marks = {rating: {org: "多选", other: "满意"}}
    assert staff["teller1"](ENTER, {"code": token, "answers": marks}).json["outcome"] == "first_entry"
    settled = staff["teller2"](ENTER, {"code": token, "answers": marks}).json
    assert settled == {"outcome": "counted", "spoiled_sections": [
        {"section_id": int(rating), "reason": "「临床医学系党支部」一行勾选多项，此行作废"}]}
    assert _close(client, organiser_key, full_campaign).status_code == 200
    (ballot,) = _paper_ballots(database, full_campaign)
    assert ballot[0] == {rating: {other: "满意"}}
