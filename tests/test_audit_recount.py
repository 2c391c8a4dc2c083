"""The verifier on the tally tests' random rounds (issue 11): each round drawn by
tests/helpers.elections (the strategy of the tally property test) is set up through the API, its
ballots cast over the cast endpoint, some mixed during voting and the rest at the close, and its
bundle verified offline. Three counts must agree: ballots.tally run here on the drawn ballots, the
results the service published, and the verifier's own recount (step 8, which also holds it to the
counts the mixer kept batch by batch)."""
from __future__ import annotations

import io
import json

from hypothesis import HealthCheck, given, settings

from ballots import forms, verify
from ballots.tally import counts_from_ballots, tally
from tests.conftest import issue_tokens
from tests.helpers import bundle_of, elections

RULE_KEYS = ("weight_base", "small_group_k", "majority", "quorum")


def _set_up(client, key, election):
    """The drawn round as a campaign: returns the campaign, its round and the maps from the drawn
    ids (groups, subjects, sections) to the ids the service gave."""
    sections, groups, _, rules, _ = election

    def api(path, body):
        r = client.post(f"/api/v1/campaigns{path}", json=body, headers=key)
        assert r.status_code in (200, 201), (path, r.get_json())
        return r.get_json()
    cid = api("", {"title": "随机轮次", "rules": {k: rules[k] for k in RULE_KEYS}})["id"]
    group = {g["id"]: api(f"/{cid}/groups", {"name": g["name"], "weight": g["weight"], "eligible": g["eligible"],
                                             "position": g["id"]})["id"] for g in groups}
    subject = {row.subject_id: api(f"/{cid}/subjects", {"name": row.name, "kind": "person",
                                                       "position": row.subject_id})["id"]
               for row in sections[0].rows}
    rid = api(f"/{cid}/rounds", {"title": "测评", "kind": "evaluation"})["id"]
    section = {}
    for sec in sections:
        section[sec.id] = api(f"/{cid}/sections", {
            "round_id": rid, "type": sec.type, "title": sec.title, "config": sec.config, "position": sec.id,
            "subject_ids": [subject[row.subject_id] for row in sec.rows],
            "group_ids": [group[g] for g in sec.group_ids] if sec.group_ids else None})["id"]
    for state in ("announced", "open"):
        api(f"/{cid}/transitions", {"to": state})
    return cid, rid, group, subject, section


def _answers(answers: dict, subject: dict, section: dict) -> dict:
    out = {}
    for sid, grid in answers.items():
        if "chosen" in grid or "write_ins" in grid:
            grid = {**grid, **({"chosen": sorted(subject[s] for s in grid["chosen"])} if "chosen" in grid else {})}
        else:
            grid = {str(subject[int(s)]): v for s, v in grid.items()}
        out[str(section[int(sid)])] = grid
    return out


def _expected(election, group, subject, section, issued):
    """ballots.tally over the drawn ballots, renamed to the service's ids."""
    sections, groups, ballots, rules, _ = election
    renamed = [forms.FormSection(section[s.id], s.type, s.title, s.config,
                                 [forms.Row(str(subject[r.subject_id]), subject[r.subject_id], r.name) for r in s.rows],
                                 [group[g] for g in s.group_ids] if s.group_ids else None) for s in sections]
    cast = [{"group_id": group[b["group_id"]], "answers": _answers(b["answers"], subject, section)} for b in ballots]
    figures = tally(renamed, [{**g, "id": group[g["id"]]} for g in groups], counts_from_ballots(cast), rules, issued)
    return json.loads(json.dumps(figures, default=str))


@settings(max_examples=40, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(election=elections())
def test_the_verifier_the_service_and_the_tally_agree_on_random_rounds(client, organiser_key, auditor_key, mix,
                                                                        election):
    _, _, ballots, _, extra = election
    cid, rid, group, subject, section = _set_up(client, organiser_key, election)
    tokens = {}
    for g in group:
        n = sum(1 for b in ballots if b["group_id"] == g) + extra[g]
        tokens[g] = issue_tokens(client.application, cid, rid, group[g], n) if n else []
    issued_to = {g: list(t) for g, t in tokens.items()}
    for i, b in enumerate(ballots):
        body = {"token": tokens[b["group_id"]].pop(), "answers": _answers(b["answers"], subject, section)}
        assert client.post("/api/v1/ballots:cast", json=body).status_code == 201, body
        if i == len(ballots) // 2:
            mix(k=1)  # a batch or more mixed during voting, the rest at the close
    r = client.post(f"/api/v1/campaigns/{cid}/transitions", json={"to": "closed"}, headers=organiser_key)
    assert r.status_code == 200, r.get_json()
    campaign = type("Round", (), {"id": cid, "round": rid})
    steps = verify.verify(io.BytesIO(bundle_of(client, auditor_key, campaign)))
    assert [s.status for s in steps] == [verify.PASS] * 9, [(s.number, s.status, s.details) for s in steps]
    published = client.get(f"/api/v1/campaigns/{cid}/rounds/{rid}/results", headers=organiser_key).get_json()
    issued = {group[g]: len(tokens_of) for g, tokens_of in issued_to.items() if tokens_of}  # none issued: no figure
    assert published["ballots"] == len(ballots)
    expected = _expected(election, group, subject, section, issued)
    assert {k: published.get(k) for k in expected} == expected
