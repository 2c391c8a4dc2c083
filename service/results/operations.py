"""Turnout and results of a campaign's rounds: counts from SQL, judgements from ballots.tally."""
from __future__ import annotations

from ballots import forms, lifecycle
from ballots.tally import tally
from service.campaigns import operations as camps
from service.core.errors import NotFound
from service.results import queries as q
from service.results.errors import NotClosed


def turnout(cur, campaign_id) -> dict:
    """Issued / cast / remaining per round and group: numbers only, nothing about any ballot."""
    definition = camps.definition(cur, campaign_id)
    rounds = []
    for rnd in definition["rounds"]:
        issued, cast = q.issued_per_group(cur, rnd["id"]), q.ballots_per_group(cur, rnd["id"])
        groups = [{"id": g["id"], "name": g["name"], "issued": issued.get(g["id"], 0), "cast": cast.get(g["id"], 0),
                   "eligible": g["eligible"]} for g in definition["groups"]]
        for g in groups:
            g["remaining"] = max(g["issued"] - g["cast"], 0)
        rounds.append({"id": rnd["id"], "title": rnd["title"], "groups": groups,
                       "issued": sum(g["issued"] for g in groups), "cast": sum(g["cast"] for g in groups)})
    return {"campaign_id": campaign_id, "title": definition["title"], "state": definition["state"],
            "rounds": rounds}


def comments(cur, campaign_id, round_id) -> dict:
    """A closed round's 意见建议, per text section, apart from the ballots: sorted by their text,
    so their order says nothing of when, by whom or beside which answers each was written."""
    definition, rnd = _closed_round(cur, campaign_id, round_id)
    texts = [s for s in rnd["sections"] if s["type"] == "text"]
    found = q.section_comments(cur, round_id, [s["id"] for s in texts])
    cast, k = q.ballots_per_group(cur, round_id), definition["rules"].get("small_group_k", 5)
    out = []
    for s in texts:
        # A section's groups are public: when those answering it returned fewer than k ballots,
        # the comments would be known to come from those few, so only their number is shown.
        few = sum(n for g, n in cast.items() if not s["group_ids"] or g in s["group_ids"]) < k
        out.append({"id": s["id"], "title": s["title"], "count": len(found[s["id"]]), "withheld": few,
                    "comments": [] if few else sorted(found[s["id"]])})
    return {"campaign_id": campaign_id, "round_id": round_id, "round": rnd["title"], "sections": out}


def _closed_round(cur, campaign_id, round_id):
    """(definition, round) of a campaign whose voting has closed; 409 before, 404 for a stranger round."""
    definition = camps.definition(cur, campaign_id)
    if not lifecycle.allows("results", definition["state"]):
        raise NotClosed(f"results are counted once voting has closed; the campaign is {definition['state']}",
                       {"state": definition["state"]})
    rnd = next((r for r in definition["rounds"] if r["id"] == round_id), None)
    if rnd is None:
        raise NotFound("no such round in this campaign")
    return definition, rnd


def round_results(cur, campaign_id, round_id) -> dict:
    definition, rnd = _closed_round(cur, campaign_id, round_id)
    sections = forms.build_form(definition, round_id, None)
    counts = q.count_round(cur, round_id, sections, lambda group: forms.build_form(definition, round_id, group))
    result = tally(sections, definition["groups"], counts, definition["rules"], q.issued_per_group(cur, round_id))
    return {"campaign_id": campaign_id, "round_id": round_id, "round": rnd["title"], "kind": rnd["kind"],
            "state": definition["state"], "rules": definition["rules"], **result}
