"""The tally: from a round's counts to the judgements of DOMAIN.md — 量化看达标 (did a subject
reach the bar), 横向论先后 (ranking), 群众满意度 (satisfaction rate) — and to recommendations
within a quota and over a majority. Pure Python; the service computes the counts in SQL, and
the offline verifier computes them from the ballots, and both call `tally`.

Arithmetic is exact (fractions) until the output, so ties are ties.
"""
from __future__ import annotations

import math
from fractions import Fraction

# Counts, ScoreAgg and counts_from_ballots are imported from here by the service and the tests.
from .counts import Counts, ScoreAgg, counts_from_ballots  # noqa: F401
from .counts import fraction as _frac
from .forms import FormSection
from .sections import MAJORITY_THRESHOLDS, rank_key, scale_options
from .withholding import pooled, suppression, unpooled


def share(x) -> Fraction:
    """A configured share as the fraction it stands for: 0.6667 is 2/3 and 0.3333 is 1/3 (a form
    cannot type 2/3), so exactly two thirds meets a two-thirds bar and exactly one third does not
    exceed a one-third share."""
    f = _frac(x)
    simple = f.limit_denominator(12)
    return simple if abs(simple - f) <= Fraction(1, 10000) else f


def _out(x: Fraction | None, digits: int = 12):
    """A figure as published: twelve decimal places, so that the pages' one-decimal rounding (half
    up) rounds the exact figure, not an earlier rounding of it (10.1499953% must show 10.1%)."""
    return None if x is None else round(float(x), digits)


def _weighted(values: dict, weights: dict, base: str):
    """Σ w·v / Σ w, over the groups with a value ('returned') or over all the groups that answer
    the section ('all'; `values` has a key for each of them)."""
    present = {g: v for g, v in values.items() if v is not None}
    if not present:
        return None
    denominator = sum((weights[g] for g in (present if base == "returned" else values)), Fraction(0))
    if denominator == 0:
        return None
    return sum((weights[g] * v for g, v in present.items()), Fraction(0)) / denominator


def _ranks(items: list[tuple[object, Fraction | None]]) -> dict:
    """Competition ranking, highest first; equal values share a rank (1, 1, 3); None unranked."""
    ordered = sorted((v for _, v in items if v is not None), reverse=True)
    return {key: (None if v is None else 1 + sum(1 for o in ordered if o > v)) for key, v in items}


def tally(sections: list[FormSection], groups: list[dict], counts: Counts, rules: dict,
          issued: dict | None = None) -> dict:
    """The results of one round. `groups`: [{id, name, weight, eligible}] of the campaign."""
    weights = {g["id"]: _frac(g["weight"]) for g in groups}
    base = rules.get("weight_base", "returned")
    k = rules.get("small_group_k", 5)
    cast = {g["id"]: counts.ballots.get(g["id"], 0) for g in groups}
    small = {g: n < k for g, n in cast.items()}
    eligible = {g["id"]: g.get("eligible") for g in groups}
    result = {
        "ballots": sum(cast.values()),
        "groups": [{"id": g["id"], "name": g["name"], "weight": _out(weights[g["id"]]), "ballots": cast[g["id"]],
                    "issued": None if issued is None else issued.get(g["id"], 0), "eligible": g.get("eligible"),
                    "suppressed": small[g["id"]]} for g in groups],
        "quorum": quorum(rules.get("quorum"), cast, issued or {}, eligible),
        "sections": [],
    }
    for sec in sections:
        answering = {g: n for g, n in cast.items() if not sec.group_ids or g in sec.group_ids}
        result["sections"].append(_section(sec, answering, counts, weights, eligible, base, rules, k))
    if result["quorum"]["met"] is False:
        # Too few ballots came back: the figures are shown, but nothing is judged on them.
        result["void"] = True
        for sec in result["sections"]:
            for item in sec.get("rows", []) + sec.get("candidates", []):
                for flag in ("passed", "laggard", "recommended", "runoff"):
                    if flag in item:
                        item[flag] = False
            if "seats_open" in sec:
                sec["seats_open"] = sec["quota"]
    else:
        result["void"] = False
    return result


def _section(sec, answering, counts, weights, eligible, base, rules, k) -> dict:
    """One section's results, its withheld groups counted as one pool (ballots/withholding.py).
    A section answered by fewer than k ballots in all publishes no figure at all (`too_few`): its
    totals would be those few ballots, whose voters the people at the meeting know."""
    suppressed = suppression(answering, k)
    too_few = 0 < sum(answering.values()) < k
    if too_few:  # counted as if no ballot came: every figure empty, the shape unchanged
        answering, counts = {g: 0 for g in answering}, Counts()
    p = pooled(sec.id, answering, counts, weights, eligible, suppressed)
    if sec.type in ("rating", "approve"):
        out = _rating(sec, p.cast, p.counts, p.weights, base, rules, p.suppressed)
    elif sec.type == "choose":
        out = _choose(sec, p.cast, p.counts, p.weights, base, rules, p.suppressed, p.eligible)
    elif sec.type == "score":
        out = _score(sec, p.cast, p.counts, p.weights, base, p.suppressed)
    else:
        out = {}
    return {"id": sec.id, "type": sec.type, "title": sec.title, "too_few": too_few,
            "withheld": sorted(g for g, hide in suppressed.items() if hide), **unpooled(out, suppressed)}


def quorum(rule, cast: dict, issued: dict, eligible: dict) -> dict:
    """Did enough ballots come back for the round's results to count (DOMAIN.md)?"""
    total = sum(cast.values())
    if not rule:
        return {"rule": None, "met": True, "cast": total}
    source = issued if rule["base"] == "issued" else eligible
    base_value = sum(v for v in source.values() if v)
    required = share(rule["share"]) * base_value
    # No base to measure against (nothing issued or no eligible count given): not assessed.
    # Ballots come whole: a share of 2/3 of 20 issued means 14 ballots, not 13.333.
    needed = math.ceil(required)
    return {"rule": rule, "base_value": base_value, "required": _out(required, 3), "required_ballots": needed,
            "cast": total, "met": (total >= needed) if base_value > 0 else None}


def _options_of(sec: FormSection) -> list[dict]:
    if sec.type == "approve":
        return [{"label": "赞成", "points": 1, "favourable": True}, {"label": "不赞成", "points": 0, "favourable": False},
                {"label": "弃权", "points": None, "favourable": None}]
    return scale_options(sec.config)


def _rating(sec, cast, counts, weights, base, rules, suppressed) -> dict:
    options = _options_of(sec)
    rows = []
    for row in sec.rows:
        per_group, means, rates, bads = {}, {}, {}, {}
        totals = {o["label"]: 0 for o in options}
        for g, n in cast.items():
            marks = {o["label"]: counts.options.get((sec.id, g, row.key, o["label"]), 0) for o in options}
            for label, m in marks.items():
                totals[label] += m
            valid = sum(marks[o["label"]] for o in options if o["points"] is not None)
            good = sum(marks[o["label"]] for o in options if o["favourable"] is True)
            bad = sum(marks[o["label"]] for o in options if o["favourable"] is False)
            points = sum(_frac(o["points"]) * marks[o["label"]] for o in options if o["points"] is not None)
            means[g] = points / valid if valid else None
            rates[g] = Fraction(good, valid) if valid else None
            bads[g] = Fraction(bad, valid) if valid else None
            per_group[g] = None if suppressed[g] else {
                "counts": marks, "abstentions": n - sum(marks.values()), "valid": valid,
                "rate": _out(rates[g]), "mean": _out(means[g])}
        rate, mean, bad = (_weighted(x, weights, base) for x in (rates, means, bads))
        # Marks over every group answering (what the stacked bars draw): no group can be told
        # apart in them once the complementary group is withheld as well.
        rows.append({"key": row.key, "subject_id": row.subject_id, "name": row.name, "criterion": row.criterion,
                     "groups": per_group, "counts": totals,
                     "valid": sum(totals[o["label"]] for o in options if o["points"] is not None),
                     "rate": rate, "mean": mean, "unfavourable": bad})
    by = rank_key(sec.type, sec.config)  # lower is better for 不满意率: rank its negation
    ranks = _ranks([(r["key"], -r[by] if by == "unfavourable" and r[by] is not None else r[by]) for r in rows])
    pass_line, laggard = share(rules.get("pass_line", 0.8)), share(rules.get("laggard_share", Fraction(1, 3)))
    for r in rows:
        r["rank"] = ranks[r["key"]]
        r["passed"] = r["rate"] is not None and r["rate"] >= pass_line
        r["laggard"] = r["unfavourable"] is not None and r["unfavourable"] > laggard
        r["rate"], r["mean"], r["unfavourable"] = _out(r["rate"]), _out(r["mean"]), _out(r["unfavourable"])
    return {"options": [o["label"] for o in options], "rank_by": by, "rows": rows}


def _meets(share: Fraction, threshold: str) -> bool:
    num, den = MAJORITY_THRESHOLDS[threshold]
    limit = Fraction(num, den)
    return share > limit if threshold == "more_than_half" else share >= limit


def _choose(sec, cast, counts, weights, base, rules, suppressed, eligible) -> dict:
    majority = rules.get("majority", {"threshold": "more_than_half", "base": "valid"})
    bases = {}
    for g, n in cast.items():
        if majority["base"] == "eligible":
            bases[g] = eligible.get(g) or 0
        elif majority["base"] == "cast":
            bases[g] = n
        else:
            bases[g] = n - counts.invalid.get((sec.id, g), 0)
    candidates = [(("subject", r.subject_id), r.name, r.subject_id) for r in sec.rows]
    names = sorted({name for (s, _g, name) in counts.write_ins if s == sec.id})
    candidates += [(("write_in", name), name, None) for name in names]
    entries = []
    for key, name, subject_id in candidates:
        votes, shares, per_group = {}, {}, {}
        for g in cast:
            v = counts.chosen.get((sec.id, g, subject_id), 0) if subject_id is not None else \
                counts.write_ins.get((sec.id, g, name), 0)
            votes[g] = v
            shares[g] = Fraction(v, bases[g]) if bases[g] else None
            per_group[g] = None if suppressed[g] else {"votes": v, "share": _out(shares[g])}
        share = _weighted(shares, weights, base)
        entries.append({"key": key, "subject_id": subject_id, "name": name, "write_in": subject_id is None,
                        "groups": per_group, "votes": sum(votes.values()), "share": share,
                        "majority": share is not None and _meets(share, majority["threshold"])})
    ranks = _ranks([(e["key"], e["share"]) for e in entries])
    quota = sec.config.get("quota") or sec.config["max_choices"]
    passing = sorted((e for e in entries if e["majority"]), key=lambda e: e["share"], reverse=True)
    recommended, runoff = set(), set()
    if len(passing) <= quota:
        recommended = {e["key"] for e in passing}
    else:
        boundary = passing[quota - 1]["share"]
        if passing[quota]["share"] == boundary:  # a tie across the last seat: never broken silently
            recommended = {e["key"] for e in passing if e["share"] > boundary}
            runoff = {e["key"] for e in passing if e["share"] == boundary}
        else:
            recommended = {e["key"] for e in passing[:quota]}
    for e in entries:
        e["rank"] = ranks[e["key"]]
        e["recommended"] = e["key"] in recommended
        e["runoff"] = e["key"] in runoff
        e["share"] = _out(e["share"])
        e.pop("key")
    entries.sort(key=lambda e: (e["rank"] is None, e["rank"] or 0, e["name"]))
    return {"quota": quota, "majority": majority, "candidates": entries,
            "seats_open": quota - len(recommended)}


def _score(sec, cast, counts, weights, base, suppressed) -> dict:
    trim = sec.config.get("trim_above")
    rows = []
    for row in sec.rows:
        means, per_group = {}, {}
        for g in cast:
            agg = counts.scores.get((sec.id, g, row.key))
            if agg is None or agg.n == 0:
                means[g], trimmed = None, False
            elif trim and agg.n > trim:
                means[g], trimmed = (agg.total - agg.high - agg.low) / (agg.n - 2), True
            else:
                means[g], trimmed = agg.total / agg.n, False
            per_group[g] = None if suppressed[g] else {"raters": agg.n if agg else 0, "mean": _out(means[g]),
                                                       "trimmed": trimmed}
        rows.append({"key": row.key, "subject_id": row.subject_id, "name": row.name, "criterion": row.criterion,
                     "groups": per_group, "mean": _weighted(means, weights, base)})
    ranks = _ranks([(r["key"], r["mean"]) for r in rows])
    for r in rows:
        r["rank"] = ranks[r["key"]]
        r["mean"] = _out(r["mean"])
    return {"trim_above": trim, "rows": rows}
