"""One slip, several rounds (issue 13.3): a meeting that votes in two rounds at once hands each
voter one slip; one scan opens the rounds one after the other, each cast in its own transaction
with its own receipt. Its rounds' ballots can be joined in the database no better than those of
two separate slips (docs/voting.md, "One slip, several rounds")."""
from __future__ import annotations

import re

import pytest

from ballots.tokens import grouped, token_hash
from tests.helpers import ctid_order, decode_pdf, errors_of, kendall_tau, token_of

N = 30  # voters a group in the anonymity test: enough for the rank statistics


def _slips(campaign, tmp_path, app, size, **kw) -> tuple[list[str], int]:
    r = campaign.issue(size, **kw)
    assert r.status_code == 201, r.get_json()
    base = app.config["SETTINGS"].base_url
    tmp_path.mkdir(parents=True, exist_ok=True)
    return [token_of(u, base) for u in decode_pdf(r.data, tmp_path)], int(r.headers["X-Batch-Id"])


def _form(campaign, round_index, voter, round_id=None):
    section, people = campaign.sections[round_index], campaign.people
    return {"ballot": "1", "round_id": str(round_id or campaign.rounds[round_index]),
            f"s{section}:{people[0]}": str(voter), f"s{section}:{people[1]}": str(100 - voter)}


def _tracker(html: str) -> str:
    return re.search(r'<code id="tracker">([0-9A-Z-]+)</code>', html).group(1)


def test_one_scan_opens_the_rounds_one_after_the_other(client, two_rounds, app, conn, tmp_path, organiser_key):
    (code, *_), first = _slips(two_rounds, tmp_path, app, 3)
    two_rounds.api(f"/{two_rounds.id}/transitions", {"to": "open"})
    page = client.get(f"/b/{code}").get_data(as_text=True)
    assert "民主测评" in page and 'name="round_id" value="%d"' % two_rounds.rounds[0] in page
    assert "本票还含 1 轮" in page
    r = client.post(f"/b/{code}", data=_form(two_rounds, 0, 7))
    assert r.status_code == 201
    receipt = r.get_data(as_text=True)
    assert 'id="next-round"' in receipt and "优秀党员推荐" in receipt and f'href="/b/{code}"' in receipt
    page = client.get(f"/b/{code}").get_data(as_text=True)  # the next round, on the same code
    assert "优秀党员推荐" in page and 'name="round_id" value="%d"' % two_rounds.rounds[1] in page
    assert "本票还含" not in page
    r = client.post(f"/b/{code}", data=_form(two_rounds, 1, 7))
    assert r.status_code == 201 and 'id="next-round"' not in r.get_data(as_text=True)
    assert _tracker(receipt) != _tracker(r.get_data(as_text=True))
    assert client.get(f"/b/{code}").status_code == 409  # every round cast: used
    assert client.post(f"/b/{code}", data=_form(two_rounds, 1, 7)).status_code == 409  # not twice
    with conn.cursor() as cur:  # each round has its own sealed ballot, its own batch and counts
        cur.execute("SELECT round_id, count(*) AS n FROM sealed_ballots WHERE campaign_id = %s GROUP BY round_id",
                    (two_rounds.id,))
        assert {r["round_id"]: r["n"] for r in cur.fetchall()} == dict.fromkeys(two_rounds.rounds, 1)
    batches = client.get(f"/api/v1/campaigns/{two_rounds.id}/batches", headers=organiser_key).get_json()
    by_round = {b["round_id"]: b for b in batches}
    assert by_round[two_rounds.rounds[1]]["joint_of"] == first and by_round[two_rounds.rounds[0]]["joint_of"] is None
    assert [(b["issued"], b["cast"], b["unused"]) for b in by_round.values()] == [(3, 1, 2)] * 2


def test_the_rounds_tokens_are_stored_apart_each_batch_sorted_by_hash(client, two_rounds, app, conn, tmp_path):
    from service.core.keys import keys
    slips, first = _slips(two_rounds, tmp_path, app, 12)
    with conn.cursor() as cur:
        cur.execute("SELECT id, round_id FROM batches WHERE joint_of = %s", (first,))
        (second,) = cur.fetchall()
    with app.app_context():
        siblings = [keys().minter.sibling(t, two_rounds.rounds[1]) for t in slips]
    assert {token_hash(t) for t in siblings} == set(ctid_order(conn, "ballot_tokens", "token_hash", "batch_id = %s",
                                                                   (second["id"],)))
    for batch in (first, second["id"]):  # row order is hash order: nothing of the slips' order
        stored = ctid_order(conn, "ballot_tokens", "token_hash", "batch_id = %s", (batch,))
        assert stored == sorted(stored)
    assert not {token_hash(t) for t in slips} & {token_hash(t) for t in siblings}
    # a sibling is a token of its own round: its code checks out, with that round in it
    with app.app_context():
        assert keys().minter.verify(siblings[0]) == (siblings[0], two_rounds.rounds[1])


def test_a_lost_slip_or_batch_is_voided_in_every_round(client, two_rounds, app, conn, tmp_path, organiser_key):
    slips, first = _slips(two_rounds, tmp_path, app, 4)
    url = f"/api/v1/campaigns/{two_rounds.id}"
    r = client.post(f"{url}/ballots:void", json={"code": grouped(slips[0])}, headers=organiser_key)
    assert r.status_code == 200, r.get_json()
    with conn.cursor() as cur:
        cur.execute("SELECT round_id, count(*) AS n FROM ballot_tokens WHERE campaign_id = %s GROUP BY round_id",
                    (two_rounds.id,))
        assert {x["round_id"]: x["n"] for x in cur.fetchall()} == dict.fromkeys(two_rounds.rounds, 3)
    assert client.post(f"{url}/ballots:void", json={"code": slips[0]}, headers=organiser_key).status_code == 409
    assert client.post(f"{url}/batches/{first}:void", headers=organiser_key).status_code == 200
    with conn.cursor() as cur:
        cur.execute("SELECT count(*) AS n FROM ballot_tokens WHERE campaign_id = %s", (two_rounds.id,))
        assert cur.fetchone()["n"] == 0
        cur.execute("SELECT count(*) AS n FROM batches WHERE campaign_id = %s AND voided_at IS NOT NULL",
                    (two_rounds.id,))
        assert cur.fetchone()["n"] == 2
    two_rounds.api(f"/{two_rounds.id}/transitions", {"to": "open"})
    assert client.get(f"/b/{slips[1]}").status_code == 409


@pytest.mark.parametrize("change,problem", [
    ({"layout": "paper"}, "paper"),
    ({"also_round_ids": [999999]}, "not in this campaign"),
    ({"also_round_ids": "first"}, "first round"),
    ({"also_round_ids": "twice"}, "each round once"),
])
def test_rounds_that_cannot_share_a_slip_are_refused_and_change_nothing(
        client, two_rounds, organiser_key, fingerprint, change, problem):
    body = {"round_id": two_rounds.rounds[0], "group_id": two_rounds.groups[0], "size": 2, "layout": "slips-3x6",
            "also_round_ids": [two_rounds.rounds[1]], **change}
    if body["also_round_ids"] == "first":
        body["also_round_ids"] = [two_rounds.rounds[0]]
    elif body["also_round_ids"] == "twice":
        body["also_round_ids"] = [two_rounds.rounds[1]] * 2
    before = fingerprint()
    r = client.post(f"/api/v1/campaigns/{two_rounds.id}/batches", json=body, headers=organiser_key)
    assert r.status_code == 422 and problem in str(r.get_json()), r.get_json()
    assert fingerprint() == before


def test_a_round_the_group_does_not_answer_cannot_share_its_slip(client, two_rounds, organiser_key, fingerprint):
    """学生专项 asks only students: a teachers' slip cannot carry it; a students' slip can."""
    before = fingerprint()
    r = client.post(f"/api/v1/campaigns/{two_rounds.id}/batches", headers=organiser_key, json={
        "round_id": two_rounds.rounds[0], "group_id": two_rounds.groups[0], "size": 2,
        "also_round_ids": [two_rounds.students_only]})
    assert r.status_code == 422 and "answers no section" in str(r.get_json())
    assert fingerprint() == before
    r = client.post(f"/api/v1/campaigns/{two_rounds.id}/batches", headers=organiser_key, json={
        "round_id": two_rounds.rounds[0], "group_id": two_rounds.groups[1], "size": 2,
        "also_round_ids": [two_rounds.students_only, two_rounds.rounds[1]]})
    assert r.status_code == 201


def test_a_forged_round_in_the_form_casts_nothing(client, two_rounds, app, tmp_path, fingerprint):
    (code, *_), _first = _slips(two_rounds, tmp_path, app, 1)
    two_rounds.api(f"/{two_rounds.id}/transitions", {"to": "open"})
    before = fingerprint()
    assert client.post(f"/b/{code}", data=_form(two_rounds, 0, 5, round_id=999999)).status_code == 404
    assert client.post(f"/b/{code}", data=_form(two_rounds, 0, 5, round_id=two_rounds.students_only)).status_code == 409
    assert fingerprint() == before
    # a form without a usable round (an older page) casts the code's own round
    r = client.post(f"/b/{code}", data={**_form(two_rounds, 0, 5), "round_id": "１"})
    assert r.status_code == 201 and f"/board/{two_rounds.rounds[0]}" in r.get_data(as_text=True)


def _order_of_voters(conn, round_id, group_id, voter_of) -> list[int]:
    """The voters whose ballots a (round, group) holds, in the table's physical order."""
    with conn.cursor() as cur:
        cur.execute("SELECT answers FROM ballots WHERE round_id = %s AND group_id = %s ORDER BY ctid",
                    (round_id, group_id))
        return [voter_of(r["answers"]) for r in cur.fetchall()]


def _rank_correlation(first: list[int], second: list[int]) -> tuple[float, int]:
    """How far two orders of the same voters follow each other: Kendall's tau of the second
    order's ranks listed in the first's, and how many voters hold the same rank in both."""
    rank = {v: i for i, v in enumerate(second)}
    ranks = [rank[v] for v in first]
    return kendall_tau(ranks), sum(1 for i, r in enumerate(ranks) if i == r)


def test_a_slips_rounds_are_joined_in_the_database_no_better_than_two_slips(client, two_rounds, app, conn, tmp_path):
    """Teachers vote with one slip for both rounds, students with two slips each; every voter casts
    the first round then the second, one voter after another. Then, as a superuser reads the tables:
    no column of a ballot row is shared by one voter's two ballots more than by two voters' (every
    column is the same for all of a group's ballots of a round or differs between any two), the
    rows of each round stand in an order that does not follow the other round's (the mixer shuffled
    each round apart), and the tokens' rows of a slip's two rounds did not stand in matching places.
    Both groups pass the same checks: a slip that covers two rounds gives nothing two slips do not."""
    from service.core.keys import keys
    r1, r2 = two_rounds.rounds[:2]
    joint, _ = _slips(two_rounds, tmp_path / "j", app, N, group=0)
    firsts, _ = _slips(two_rounds, tmp_path / "a", app, N, group=1, also=False)
    seconds, _ = _slips(two_rounds, tmp_path / "b", app, N, group=1, also=False, first=1)
    with app.app_context():
        pairs = {0: [(t, keys().minter.sibling(t, r2)) for t in joint], 1: list(zip(firsts, seconds))}
    stored = {rid: ctid_order(conn, "ballot_tokens", "token_hash", "round_id = %s", (rid,)) for rid in (r1, r2)}
    for group, slip_pairs in pairs.items():  # where a voter's two tokens stood, round by round
        place = {rid: {h: i for i, h in enumerate(stored[rid])} for rid in (r1, r2)}
        rows = [(place[r1][token_hash(a)], place[r2][token_hash(b)]) for a, b in slip_pairs]
        by_first = [v for v, _ in sorted(enumerate(rows), key=lambda x: x[1][0])]
        by_second = [v for v, _ in sorted(enumerate(rows), key=lambda x: x[1][1])]
        tau, same = _rank_correlation(by_first, by_second)
        assert abs(tau) <= 0.75 and same <= 8, ("token rows", group, tau, same)
    two_rounds.api(f"/{two_rounds.id}/transitions", {"to": "open"})
    for voter in range(N):
        for group in (0, 1):
            a, b = pairs[group][voter]
            code_second = a if group == 0 else b
            assert client.post(f"/b/{a}", data=_form(two_rounds, 0, voter)).status_code == 201
            assert client.post(f"/b/{code_second}", data=_form(two_rounds, 1, voter)).status_code == 201
    two_rounds.api(f"/{two_rounds.id}/transitions", {"to": "closed"})
    person = str(two_rounds.people[0])
    voter_of = lambda answers: next(iter(answers.values()))[person]  # noqa: E731
    with conn.cursor() as cur:
        cur.execute("SELECT *, xmin::text AS xmin FROM ballots WHERE campaign_id = %s", (two_rounds.id,))
        rows = cur.fetchall()
    columns = [c for c in rows[0] if c not in ("answers", "tally", "tracker")]  # what the voter wrote
    for group in (0, 1):
        gid = two_rounds.groups[group]
        first = {voter_of(r["answers"]): r for r in rows if r["round_id"] == r1 and r["group_id"] == gid}
        second = {voter_of(r["answers"]): r for r in rows if r["round_id"] == r2 and r["group_id"] == gid}
        assert sorted(first) == sorted(second) == list(range(N))
        for c in columns:
            same_voter = {first[v][c] == second[v][c] for v in range(N)}
            other_voter = {first[v][c] == second[(v + 1) % N][c] for v in range(N)}
            assert same_voter == other_voter and len(same_voter) == 1, (group, c)
        assert len({r["xmin"] for r in first.values()}) == 1  # one mixing transaction a round and group
        tau, same = _rank_correlation(_order_of_voters(conn, r1, gid, voter_of), _order_of_voters(conn, r2, gid, voter_of))
        assert abs(tau) <= 0.75 and same <= 8, ("ballot rows", group, tau, same)


def test_the_campaign_page_issues_a_slip_of_two_rounds_and_refuses_paper_in_chinese(
        client, two_rounds, make_user, login, conn):
    """The 选票发放 form: the first round ticked again is ignored; a paper ballot cannot carry two."""
    page_user = login(make_user("organiser", username="zuzhibu"))
    page = client.get(f"/admin/campaigns/{two_rounds.id}").get_data(as_text=True)
    assert 'id="also-rounds"' in page and "同一张选票还包含" in page
    form = {"csrf_token": page_user, "_form": "issue-batch", "round_id": str(two_rounds.rounds[0]),
            "group_id": str(two_rounds.groups[0]), "size": "2", "layout": "slips-2x4", "label": "党员大会",
            "also_round_ids": [str(two_rounds.rounds[0]), str(two_rounds.rounds[1])]}
    r = client.post(f"/admin/campaigns/{two_rounds.id}/batches", data=form)
    assert r.status_code == 201 and r.mimetype == "application/pdf"
    with conn.cursor() as cur:
        cur.execute("SELECT round_id, joint_of FROM batches WHERE campaign_id = %s ORDER BY id", (two_rounds.id,))
        rows = cur.fetchall()
    assert [x["round_id"] for x in rows] == two_rounds.rounds[:2] and rows[1]["joint_of"] is not None
    r = client.post(f"/admin/campaigns/{two_rounds.id}/batches", data={**form, "layout": "paper"})
    assert r.status_code == 422
    box = errors_of(r.get_data(as_text=True), "issue-batch")
    assert "同一张选票还包含：纸质选票只能印一轮的表格" in box, box
