"""The hall's projector (issue 13.4): 应到 / 发出 / 收回 / 收回率, groups issued nothing left out,
and 当场公布 — the organiser's switch to the results, only once voting has closed."""
from __future__ import annotations


def test_turnout_carries_eligible_and_the_return_rate(client, full_campaign, organiser_key):
    tokens = full_campaign.tokens(4)
    for t in tokens[:3]:
        assert client.post("/api/v1/ballots:cast", json={"token": t, "answers": {}}).status_code == 201
    t = client.get(f"/api/v1/campaigns/{full_campaign.id}/turnout", headers=organiser_key).get_json()
    (rnd,) = t["rounds"]
    teachers, students = rnd["groups"]
    assert (teachers["issued"], teachers["cast"], teachers["rate"]) == (4, 3, 0.75)
    assert (students["issued"], students["rate"]) == (0, None)
    assert rnd["rate"] == 0.75 and rnd["eligible"] is None  # the fixture's groups record no 应参评人数
    shown = client.get(f"/c/{full_campaign.id}/turnout.json").get_json()
    assert [g["name"] for g in shown["rounds"][0]["groups"]] == ["教师"]  # 学生 were issued nothing
    assert shown["rounds"][0]["groups"][0]["rate_text"] == "75.0%" and shown["mode"] == "turnout"
    page = client.get(f"/c/{full_campaign.id}/turnout").get_data(as_text=True)
    assert "学生" not in page and "75.0%" in page and "收回率" in page


def test_the_results_reach_the_projector_only_after_the_close_and_on_command(
        client, full_campaign, organiser_key, make_user, login, fingerprint):
    from tests.conftest import _csrf
    cid = full_campaign.id
    (token,) = full_campaign.tokens(1)
    assert client.post("/api/v1/ballots:cast", json={"token": token, "answers": full_campaign.valid}).status_code == 201
    login(make_user("organiser", username="zzb"))
    form = {"csrf_token": _csrf(client), "_form": "projector-mode", "show": "results"}
    before = fingerprint()
    r = client.post(f"/admin/campaigns/{cid}/projector", data=form)  # voting still open: no such button yet
    assert r.status_code == 302 and fingerprint() == before
    assert "投票结束后才能计票和公布结果" in client.get(r.headers["Location"]).get_data(as_text=True)
    client.post(f"/api/v1/campaigns/{cid}/transitions", json={"to": "closed"}, headers=organiser_key)
    drawn = client.get(f"/c/{cid}/turnout.json").get_json()["signature"]
    assert "王丽华" not in client.get(f"/c/{cid}/turnout").get_data(as_text=True)
    assert client.post(f"/admin/campaigns/{cid}/projector", data=form).status_code == 302
    shown = client.get(f"/c/{cid}/turnout.json").get_json()
    assert shown["mode"] == "results" and shown["signature"] != drawn  # the page reloads itself
    page = client.get(f"/c/{cid}/turnout").get_data(as_text=True)
    assert "当场公布计票结果" in page
    # one ballot in all: the figures would be that voter's ballot, so none is shown (ballots/tally.py)
    assert "收回选票太少，不公布数字" in page and "<td>100.0%</td>" not in page and "王丽华" not in page
    assert "不公布任何数字" in client.get(f"/admin/campaigns/{cid}/results").get_data(as_text=True)
    assert client.post(f"/admin/campaigns/{cid}/projector", data={**form, "show": "turnout"}).status_code == 302
    assert client.get(f"/c/{cid}/turnout.json").get_json()["mode"] == "turnout"
    log = client.get(f"/admin/campaigns/{cid}").get_data(as_text=True)
    assert "在投影上当场公布计票结果" in log and "投影改回显示参评情况" in log


def test_a_viewer_cannot_switch_the_projector(client, closed_round, make_user, login, fingerprint):
    from tests.conftest import _csrf
    login(make_user("viewer", username="kan"))
    before = fingerprint()
    r = client.post(f"/admin/campaigns/{closed_round.id}/projector",
                    data={"csrf_token": _csrf(client), "show": "results"})
    assert r.status_code == 403 and fingerprint() == before


def test_the_projectors_results_are_listed_in_rank_order(client, closed_round, make_user, login):
    import re

    from tests.conftest import _csrf
    cid = closed_round.id
    login(make_user("organiser", username="zzb2"))
    form = {"csrf_token": _csrf(client), "_form": "projector-mode", "show": "results"}
    assert client.post(f"/admin/campaigns/{cid}/projector", data=form).status_code == 302
    page = client.get(f"/c/{cid}/turnout").get_data(as_text=True)
    bodies = re.findall(r"<tbody>(.*?)</tbody>", page, re.S)
    assert bodies
    for body in bodies:
        ranks = [None if r == "—" else int(r) for r in re.findall(r"<tr><td>([^<]*)</td>", body)]
        numbered = [r for r in ranks if r is not None]
        assert numbered == sorted(numbered), ranks  # 1 first, ties together
        assert ranks == numbered + [None] * (len(ranks) - len(numbered)), ranks  # the unranked last


def test_the_feeds_of_a_draft_or_of_nothing_answer_404_in_json(client, make_campaign):
    """The turnout feeds are read by scripts: a draft's (not public yet) or a campaign that does
    not exist is a JSON error, as the API's are, not the HTML error page."""
    draft = make_campaign()
    for path in (f"/c/{draft}/turnout.json", "/c/999999/turnout.json",
                 "/embed/campaigns/999999/rounds/1/turnout.json"):
        r = client.get(path)
        assert r.status_code == 404 and r.mimetype == "application/json", (path, r.data[:200])
        assert r.get_json()["error"]["code"] == "not_found" and r.get_json()["error"]["message"]
    assert client.get(f"/c/{draft}/turnout").mimetype == "text/html"  # the page stays a page
