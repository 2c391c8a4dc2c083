"""两推三评: organisation (组织考评) and leader (领导点评) scores, and the composite of the sources."""
from __future__ import annotations

from fractions import Fraction

from ballots import lifecycle
from service.campaigns import operations as camps
from service.core.errors import Invalid, WrongState
from service.core.event_queries import insert_event
from service.results import queries as q


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
