"""Turnout and results of a campaign's rounds (counts from SQL, judgements from ballots.tally), and
两推三评: organisation (组织考评) and leader (领导点评) scores and the composite of the sources."""
from __future__ import annotations

from fractions import Fraction

from ballots import forms, lifecycle
from ballots.tally import tally
from service.campaigns import operations as camps
from service.core.errors import Invalid, NotFound, WrongState
from service.core.event_queries import insert_event
from service.results import queries as q
from service.results.errors import NotClosed


def turnout(cur, campaign_id) -> dict:
    """Issued / cast / remaining per round and group: numbers only, nothing about any ballot. Cast
    counts the ballots received, sealed (waiting for their crowd) and mixed."""
    from service.voting import operations as voting
    definition = camps.definition(cur, campaign_id)
    rounds = []
    for rnd in definition["rounds"]:
        issued, cast = q.issued_per_group(cur, rnd["id"]), q.ballots_per_group(cur, rnd["id"])
        for group_id, n in voting.sealed_per_group(cur, rnd["id"]).items():
            cast[group_id] = cast.get(group_id, 0) + n
        groups = [{"id": g["id"], "name": g["name"], "issued": issued.get(g["id"], 0), "cast": cast.get(g["id"], 0),
                   "eligible": g["eligible"]} for g in definition["groups"]]
        for g in groups:
            g["remaining"] = max(g["issued"] - g["cast"], 0)
            g["rate"] = _rate(g["cast"], g["issued"])
        recorded = [g["eligible"] for g in groups if g["eligible"] is not None]
        total = {"issued": sum(g["issued"] for g in groups), "cast": sum(g["cast"] for g in groups)}
        rounds.append({"id": rnd["id"], "title": rnd["title"], "groups": groups, **total,
                       "eligible": sum(recorded) if recorded else None, "rate": _rate(total["cast"], total["issued"])})
    return {"campaign_id": campaign_id, "title": definition["title"], "state": definition["state"],
            "rounds": rounds}


def _rate(cast: int, issued: int) -> float | None:
    """收回率: ballots received over ballots issued, 4 decimals; None when none was issued."""
    return round(cast / issued, 4) if issued else None


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
    """(definition, round) of a campaign whose voting has closed; 404 for a stranger round (in
    any state), 409 before the close."""
    definition = camps.definition(cur, campaign_id)
    rnd = next((r for r in definition["rounds"] if r["id"] == round_id), None)
    if rnd is None:
        raise NotFound("no such round in this campaign")
    if not lifecycle.allows("results", definition["state"]):
        raise NotClosed(f"results are counted once voting has closed; the campaign is {definition['state']}",
                       {"state": definition["state"]})
    return definition, rnd


def round_results(cur, campaign_id, round_id) -> dict:
    definition, rnd = _closed_round(cur, campaign_id, round_id)
    sections = forms.build_form(definition, round_id, None)
    counts = q.stored_counts(cur, round_id) or \
        q.count_round(cur, round_id, sections, lambda group: forms.build_form(definition, round_id, group))
    result = tally(sections, definition["groups"], counts, definition["rules"], q.issued_per_group(cur, round_id))
    from service.voting import operations as voting
    # After the close every sealed ballot that opens has been mixed: one still sealed did not open
    # with the round's key (tampered with, or from another installation). Received, not counted.
    unopened = sum(voting.sealed_per_group(cur, round_id).values())
    return {"campaign_id": campaign_id, "round_id": round_id, "round": rnd["title"], "kind": rnd["kind"],
            "state": definition["state"], "rules": definition["rules"], "unopened": unopened,
            "by_source": _by_source(cur, campaign_id, round_id), **result}


def _by_source(cur, campaign_id, round_id) -> dict:
    """Online and paper ballots apart and together, with the paper count's 废票 and duplicates."""
    from service.paper import operations as paper
    sources = q.ballots_by_source(cur, round_id)
    counted = next((r for r in paper.summary(cur, campaign_id)["rounds"] if r["round_id"] == round_id), {})
    return {"online": sources.get("online", 0), "paper": sources.get("paper", 0), "total": sum(sources.values()),
            "spoiled_ballots": counted.get("spoiled_ballots", []), "spoiled_sections": counted.get("spoiled_sections", []),
            "duplicates": counted.get("duplicates", 0)}


def issued(cur, round_id) -> dict:
    """{group id: ballots in voters' hands} of the round (what turnout and quorum count against)."""
    return q.issued_per_group(cur, round_id)


def results_csv(results: list[dict]) -> bytes:
    """Rounds' results as the CSV export writes them."""
    from service.results.exports import to_csv
    return to_csv(results)


# --- 两推三评 scores -------------------------------------------------------------------------


def enter(cur, principal, campaign_id, data) -> dict:
    campaign = camps.get_campaign(cur, campaign_id, for_share=True)
    if not lifecycle.allows("enter_scores", campaign["state"]):
        raise WrongState(f"scores are entered while voting is open or closed; the campaign is {campaign['state']}",
                       {"state": campaign["state"]})
    if camps.get_part(cur, "subjects", campaign_id, data["subject_id"]) is None:
        raise Invalid(details={"fields": {"subject_id": ["not in this campaign"]}})
    row = q.upsert_source_score(cur, campaign_id, data["subject_id"], data["source"], principal.actor,
                                data["score"], data["comment"])
    insert_event(cur, principal.actor, "score.entered", campaign_id,
                 {"subject_id": data["subject_id"], "source": data["source"], "score": data["score"]})
    return row


def listing(cur, campaign_id) -> list:
    return q.list_source_scores(cur, campaign_id)


def campaign_composite(cur, definition: dict, round_results: list[dict]) -> dict:
    """The campaign's 两推三评 composite (the API's /composite, the results page's table): its
    source weights and each subject's figures, from its rounds' results and the scores entered."""
    rules = definition["rules"]
    return {"weights": rules.get("sources"),
            "subjects": composite(definition["subjects"], round_results, listing(cur, definition["id"]),
                                  rules.get("sources", {"ballots": 1}), rules.get("sources_trim_above"))}


def weighs_scores(definition: dict) -> bool:
    """Whether the campaign weighs organisation or leader scores beside its ballots (两推三评)."""
    sources = definition["rules"].get("sources") or {}
    return any((sources.get(k) or 0) > 0 for k in ("organisation", "leaders"))


def composite(subjects: list[dict], round_results: list[dict], entries: list[dict], weights: dict,
              trim_above: int | None = 5) -> list[dict]:
    """Per subject: the ballots' score (mean of its rows' composite means in rating and score
    sections, over the rounds whose results count: a round that failed its quorum is left out),
    the organisation's and the leaders' (means of their entries, without the highest and the
    lowest when there are more than `trim_above`), and the total weighted over the sources
    present; `missing` names the weighted sources a subject has no figure from. Ranked, ties
    shared."""
    ballot_means: dict = {}
    for result in round_results:
        if result.get("void"):
            continue
        for sec in result["sections"]:
            if sec["type"] in ("rating", "score"):
                for row in sec["rows"]:
                    if row["mean"] is not None:
                        ballot_means.setdefault(row["subject_id"], []).append(Fraction(str(row["mean"])))
    entered: dict = {}
    for e in entries:
        entered.setdefault((e["subject_id"], e["source"]), []).append(Fraction(str(e["score"])))
    w = {k: Fraction(str(v)) for k, v in weights.items()}
    out = []
    for s in subjects:
        parts = {"ballots": _mean(ballot_means.get(s["id"])),
                 "organisation": _mean(entered.get((s["id"], "organisation")), trim_above),
                 "leaders": _mean(entered.get((s["id"], "leaders")), trim_above)}
        present = {k: v for k, v in parts.items() if v is not None and w.get(k, 0) > 0}
        total = sum(w[k] * v for k, v in present.items()) / sum(w[k] for k in present) if present else None
        out.append({"subject_id": s["id"], "name": s["name"], "total": total,
                    "missing": [k for k in parts if w.get(k, 0) > 0 and parts[k] is None],
                    **{k: (None if v is None else round(float(v), 4)) for k, v in parts.items()}})
    ordered = sorted((o["total"] for o in out if o["total"] is not None), reverse=True)
    for o in out:
        o["rank"] = None if o["total"] is None else 1 + sum(1 for x in ordered if x > o["total"])
        o["total"] = None if o["total"] is None else round(float(o["total"]), 4)
    return sorted(out, key=lambda o: (o["rank"] is None, o["rank"] or 0))


def _mean(values, trim_above=None):
    if not values:
        return None
    if trim_above and len(values) > trim_above:
        values = sorted(values)[1:-1]
    return sum(values) / len(values)
