"""The tally: worked examples computed by hand, and a property test against a recount written
independently here, straight from the ballots."""
from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ballots import forms
from ballots.sections import DEFAULT_RULES
from ballots.tally import counts_from_ballots, quorum, tally
from tests.helpers import APPROVE, BARS, elections

SAT = {"scale": "satisfaction"}


def rating(sid, subjects, config=SAT):
    return forms.FormSection(sid, "rating", "测评", config, [forms.Row(str(s), s, f"对象{s}") for s in subjects])


def ballots_of(group, *answers):
    return [{"group_id": group, "answers": a} for a in answers]


def G(*specs):
    return [{"id": i, "name": f"群体{i}", "weight": w, "eligible": e} for i, w, e in specs]


def test_a_satisfaction_grid_with_dont_know_and_abstentions():
    sec = rating(1, [10])
    b = ballots_of(1, {"1": {"10": "满意"}}, {"1": {"10": "满意"}}, {"1": {"10": "基本满意"}},
                   {"1": {"10": "不满意"}}, {"1": {"10": "不了解"}}, {"1": {}}, {})
    r = tally([sec], G((1, 1, None)), counts_from_ballots(b), {**DEFAULT_RULES, "small_group_k": 1})
    row = r["sections"][0]["rows"][0]
    g = row["groups"][1]
    assert g["counts"] == {"满意": 2, "基本满意": 1, "不满意": 1, "不了解": 1}
    assert g["abstentions"] == 2 and g["valid"] == 4     # 不了解 and blanks are outside the denominator
    assert g["rate"] == 0.75                              # (2 + 1) / 4
    assert g["mean"] == 82.5                              # (100·2 + 75 + 55) / 4 = 330 / 4
    assert row["unfavourable"] == 0.25 and not row["laggard"] and not row["passed"]  # 75% < 80%


def test_group_weights_apply_to_group_means_not_to_ballots():
    sec = rating(1, [10])
    b = (ballots_of(1, *[{"1": {"10": "满意"}}] * 5)                          # 5 leaders: mean 100
         + ballots_of(2, *[{"1": {"10": "基本满意"}}] * 20)                    # 20 staff: mean 75
         + ballots_of(3, *([{"1": {"10": "不满意"}}] * 50 + [{"1": {"10": "满意"}}] * 50)))  # 100 students: 77.5
    rules = {**DEFAULT_RULES, "small_group_k": 5}
    r = tally([sec], G((1, 0.3, 5), (2, 0.3, 20), (3, 0.4, 100)), counts_from_ballots(b), rules)
    row = r["sections"][0]["rows"][0]
    assert row["mean"] == 83.5  # 0.3·100 + 0.3·75 + 0.4·77.5 = 30 + 22.5 + 31; not the ballot mean 9750/125 = 78
    assert row["rate"] == pytest.approx(0.3 * 1 + 0.3 * 1 + 0.4 * 0.5)      # 0.8 → 达标 at 80%
    assert row["passed"]
    half = tally([sec], G((1, 0.3, 5), (2, 0.3, 20), (3, 0.4, 100)),
                 counts_from_ballots(b[:25]), rules)["sections"][0]["rows"][0]
    assert half["mean"] == pytest.approx((0.3 * 100 + 0.3 * 75) / 0.6)     # normalised over groups that returned
    everyone = tally([sec], G((1, 0.3, 5), (2, 0.3, 20), (3, 0.4, 100)), counts_from_ballots(b[:25]),
                     {**rules, "weight_base": "all"})["sections"][0]["rows"][0]
    assert everyone["mean"] == pytest.approx(0.3 * 100 + 0.3 * 75)          # over all groups, as configured


def test_choose_three_of_eight_with_a_tie_at_the_quota_boundary():
    candidates = list(range(1, 9))
    sec = forms.FormSection(2, "choose", "推荐", {"max_choices": 3, "quota": 3},
                            [forms.Row(str(c), c, f"候选{c}") for c in candidates])
    votes = {1: 9, 2: 8, 3: 7, 4: 7, 5: 2, 6: 1, 7: 0, 8: 0}  # 12 ballots, 34 marks, ≤ 3 each
    pool = [c for c, n in votes.items() for _ in range(n)]
    ballots = [[] for _ in range(12)]
    for i, c in enumerate(sorted(pool, key=lambda c: -votes[c])):
        ballots[i % 12].append(c)
    assert all(len(b) <= 3 and len(set(b)) == len(b) for b in ballots)
    b = ballots_of(1, *[{"2": {"chosen": sorted(x)}} for x in ballots])
    r = tally([sec], G((1, 1, 12)), counts_from_ballots(b), {**DEFAULT_RULES, "small_group_k": 1})
    by = {c["subject_id"]: c for c in r["sections"][0]["candidates"]}
    assert [by[c]["votes"] for c in candidates] == [9, 8, 7, 7, 2, 1, 0, 0]
    assert by[1]["recommended"] and by[2]["recommended"]            # 9/12 and 8/12 > 1/2
    assert by[3]["runoff"] and by[4]["runoff"]                       # 7/12 each, tied for the third seat
    assert not by[3]["recommended"] and not by[4]["recommended"]
    assert by[3]["rank"] == by[4]["rank"] == 3 and by[5]["rank"] == 5
    assert r["sections"][0]["seats_open"] == 1


def test_a_quorum_failure_is_reported_with_its_rule():
    q = quorum({"share": 0.6667, "base": "issued"}, {1: 30, 2: 10}, {1: 40, 2: 30}, {})
    assert q["met"] is False and q["base_value"] == 70 and q["required"] == pytest.approx(46.667) and q["cast"] == 40
    q = quorum({"share": 0.5, "base": "eligible"}, {1: 30, 2: 10}, {}, {1: 40, 2: 30})
    assert q["met"] and q["required"] == 35


def test_a_trimmed_mean_with_six_raters():
    sec = forms.FormSection(3, "score", "打分", {"min": 0, "max": 100, "trim_above": 5},
                            [forms.Row("7", 7, "王丽华")])
    scores = [95, 88, 86, 84, 80, 60]
    b = ballots_of(1, *[{"3": {"7": s}} for s in scores])
    row = tally([sec], G((1, 1, 6)), counts_from_ballots(b), {**DEFAULT_RULES, "small_group_k": 1}
                )["sections"][0]["rows"][0]
    assert row["groups"][1] == {"raters": 6, "mean": 84.5, "trimmed": True}  # (88 + 86 + 84 + 80) / 4
    five = tally([sec], G((1, 1, 6)), counts_from_ballots(b[:5]), {**DEFAULT_RULES, "small_group_k": 1}
                 )["sections"][0]["rows"][0]
    assert five["groups"][1]["mean"] == 86.6 and not five["groups"][1]["trimmed"]  # 433 / 5, not trimmed


def test_a_group_of_three_is_suppressed_but_counts_in_the_composite():
    sec = rating(1, [10])
    b = ballots_of(1, *[{"1": {"10": "满意"}}] * 3) + ballots_of(2, *[{"1": {"10": "基本满意"}}] * 6)
    r = tally([sec], G((1, 0.5, 3), (2, 0.5, 6)), counts_from_ballots(b), {**DEFAULT_RULES, "small_group_k": 5})
    row = r["sections"][0]["rows"][0]
    assert row["groups"][1] is None  # 3 < k
    assert row["groups"][2] is None  # and, with only two groups, the other too: the totals would give 1 away
    assert row["mean"] == pytest.approx(250 / 3, abs=1e-9)  # (3·100 + 6·75) / 9: both counted, as one pool (group by group: 87.5)
    assert r["groups"][0]["suppressed"] and not r["groups"][1]["suppressed"]  # round level: fewer than k
    assert r["sections"][0]["withheld"] == [1, 2]
    assert row["counts"] == {"满意": 3, "基本满意": 6, "不满意": 0, "不了解": 0}  # both groups, summed
    with_third = tally([sec], G((1, 0.5, 3), (2, 0.5, 6), (3, 0.5, 8)),
                       counts_from_ballots(b + ballots_of(3, *[{"1": {"10": "满意"}}] * 8)),
                       {**DEFAULT_RULES, "small_group_k": 5})["sections"][0]["rows"][0]
    assert with_third["groups"][1] is None and with_third["groups"][2] is None  # the smallest other one
    assert with_third["groups"][3]["mean"] == 100


# --- the property test ----------------------------------------------------------------------
# brute_force recounts a round straight from the ballots, written from DOMAIN.md and
# docs/results.md without ballots.tally: only the scale table (points per option) is shared.

def brute_force(sections, groups, ballots, rules, issued):
    k = rules["small_group_k"]
    w = {g["id"]: Fraction(str(g["weight"])) for g in groups}
    cast = {g["id"]: sum(1 for b in ballots if b["group_id"] == g["id"]) for g in groups}
    q = rules.get("quorum")
    if not q:
        met = True
    else:
        base = sum(v for v in (issued if q["base"] == "issued" else
                               {g["id"]: g["eligible"] for g in groups}).values() if v)
        met = None if base == 0 else len(ballots) * 3 >= 2 * base  # the generator's share is 2/3
    void = met is False
    out = {"quorum": met, "void": void, "sections": {}}
    for sec in sections:
        who = [g["id"] for g in groups if not sec.group_ids or g["id"] in sec.group_ids]
        # withheld: fewer than k ballots; while the withheld hold 1..k-1 ballots between them,
        # the smallest group shown joins them (ties: the lower id)
        hidden = {g for g in who if cast[g] < k}
        while 0 < sum(cast[g] for g in hidden) < k and len(hidden) < len(who):
            hidden.add(min((g for g in who if g not in hidden), key=lambda g: (cast[g], g)))
        # the withheld groups that returned ballots count as one group: their ballots together,
        # the sum of their weights; every other group (a withheld one without ballots too) alone
        # fewer than k ballots answer the section in all: counted as if none had come
        too_few = 0 < sum(cast[g] for g in who) < k
        counted = {g: 0 if too_few else n for g, n in cast.items()}
        kept = [] if too_few else ballots
        pool = tuple(sorted(g for g in hidden if counted[g]))
        units = {**{g: [g] for g in who if g not in pool}, **({pool: list(pool)} if pool else {})}
        uw = {u: sum(w[g] for g in m) for u, m in units.items()}
        un = {u: sum(counted[g] for g in m) for u, m in units.items()}
        eligible = {u: sum(x["eligible"] or 0 for x in groups if x["id"] in m) for u, m in units.items()}
        mine = {u: [b["answers"].get(str(sec.id)) for b in kept if b["group_id"] in m] for u, m in units.items()}

        def combine(values):
            have = [u for u in units if values[u] is not None]
            if not have:
                return None
            weight = sum(uw[u] for u in (have if rules["weight_base"] == "returned" else units))
            return None if weight == 0 else sum(uw[u] * values[u] for u in have) / weight

        def rank(value, values):
            return None if value is None else 1 + len([v for v in values if v is not None and v > value])

        res = {"withheld": hidden, "answering": set(who), "items": {}}
        if sec.type in ("rating", "approve"):
            if sec.type == "rating":
                table = {o["label"]: (o["points"], o["favourable"]) for o in forms.scale_options(sec.config)}
            else:
                table = APPROVE
            for row in sec.rows:
                per, rate, mean, bad = {}, {}, {}, {}
                totals = {label: 0 for label in table}
                for g in units:
                    marks = [a[row.key] for a in mine[g] if a and row.key in a]
                    for m in marks:
                        totals[m] += 1
                    scored = [m for m in marks if table[m][0] is not None]
                    n = len(scored)
                    rate[g] = Fraction(len([m for m in scored if table[m][1] is True]), n) if n else None
                    bad[g] = Fraction(len([m for m in scored if table[m][1] is False]), n) if n else None
                    mean[g] = sum(Fraction(table[m][0]) for m in scored) / n if n else None
                    per[g] = {"counts": {lab: marks.count(lab) for lab in table}, "abstentions": un[g] - len(marks),
                              "valid": n, "rate": rate[g], "mean": mean[g]}
                r, m, u = combine(rate), combine(mean), combine(bad)
                res["items"][row.key] = {"groups": per, "counts": totals, "rate": r, "mean": m, "unfavourable": u,
                                         "passed": not void and r is not None and r >= Fraction(4, 5),
                                         "laggard": not void and u is not None and u > Fraction(1, 3)}
            # the section's ranking rule (docs/results.md): its rank_by, else 综合得分 for the member
            # scale and 满意率 (赞成率) otherwise; 不满意率 ranks the lowest first
            by = sec.config.get("rank_by") or ("mean" if sec.config.get("scale") == "member" else "rate")
            keyed = {row: (None if it[by] is None else (-it[by] if by == "unfavourable" else it[by]))
                     for row, it in res["items"].items()}
            for row, it in res["items"].items():
                it["rank"] = rank(keyed[row], list(keyed.values()))
        elif sec.type == "score":
            trim = sec.config.get("trim_above")
            for row in sec.rows:
                per, mean = {}, {}
                for g in units:
                    xs = sorted(a[row.key] for a in mine[g] if a and row.key in a)
                    trimmed = bool(trim) and len(xs) > trim
                    used = xs[1:-1] if trimmed else xs
                    mean[g] = Fraction(sum(used), len(used)) if used else None
                    per[g] = {"raters": len(xs), "mean": mean[g], "trimmed": trimmed}
                res["items"][row.key] = {"groups": per, "mean": combine(mean)}
            means = [it["mean"] for it in res["items"].values()]
            for it in res["items"].values():
                it["rank"] = rank(it["mean"], means)
        elif sec.type == "choose":
            bar, reach = BARS[rules["majority"]["threshold"]]
            denominators = {g: {"eligible": eligible[g], "cast": un[g], "valid": un[g]}[rules["majority"]["base"]]
                            for g in units}
            names = sorted({n for g in units for a in mine[g] if a for n in a.get("write_ins", [])})
            keys = [("s", row.subject_id) for row in sec.rows] + [("w", n) for n in names]
            for key in keys:
                per, shares = {}, {}
                for g in units:
                    field_, value = ("chosen", key[1]) if key[0] == "s" else ("write_ins", key[1])
                    v = sum(1 for a in mine[g] if a and value in a.get(field_, []))
                    shares[g] = Fraction(v, denominators[g]) if denominators[g] else None
                    per[g] = {"votes": v, "share": shares[g]}
                share_ = combine(shares)
                over = share_ is not None and (share_ >= bar if reach else share_ > bar)
                res["items"][key] = {"groups": per, "votes": sum(p["votes"] for p in per.values()),
                                     "share": share_, "majority": over}
            shares_ = [it["share"] for it in res["items"].values()]
            quota = sec.config["quota"]
            passing = [it["share"] for it in res["items"].values() if it["majority"]]
            for it in res["items"].values():
                it["rank"] = rank(it["share"], shares_)
                above = len([x for x in passing if x > it["share"]]) if it["majority"] else None
                level = len([x for x in passing if x == it["share"]]) if it["majority"] else None
                it["recommended"] = not void and it["majority"] and above + level <= quota
                it["runoff"] = not void and it["majority"] and above < quota < above + level
            res["seats_open"] = quota - len([it for it in res["items"].values() if it["recommended"]])
        out["sections"][sec.id] = res
    return out


def same(a, b, where):
    """b (the tally's output, rounded to 12 places) agrees with a (exact)."""
    if isinstance(a, dict):
        assert isinstance(b, dict) and set(map(str, a)) == set(map(str, b)), (where, a, b)
        by_str = {str(key): value for key, value in b.items()}
        for key, value in a.items():
            same(value, by_str[str(key)], f"{where}.{key}")
    elif isinstance(a, Fraction):
        assert b == pytest.approx(float(a), abs=1e-6), (where, a, b)
    else:
        assert a == b, (where, a, b)


def check_against_recount(sections, groups, ballots, rules, issued):
    got = tally(sections, groups, counts_from_ballots(ballots), rules, issued)
    expected = brute_force(sections, groups, ballots, rules, issued)
    assert got["quorum"]["met"] == expected["quorum"] and got["void"] == expected["void"]
    for sec in got["sections"]:
        want = expected["sections"][sec["id"]]
        assert set(sec["withheld"]) == want["withheld"], sec["id"]
        if sec["type"] == "choose":
            items = {(("w", c["name"]) if c["write_in"] else ("s", c["subject_id"])): c for c in sec["candidates"]}
            assert sec["seats_open"] == want["seats_open"]
        else:
            items = {r["key"]: r for r in sec.get("rows", [])}
        assert set(items) == set(want["items"]), sec["id"]
        for key, item in want["items"].items():
            mine = items[key]
            figures = item.pop("groups")
            assert set(mine["groups"]) == want["answering"], (sec["id"], key)
            for g, shown in mine["groups"].items():
                if g in want["withheld"]:
                    assert shown is None, (sec["id"], key, g)
                else:
                    same(figures[g], shown, f"{sec['id']}.{key}.{g}")
            for name, value in item.items():
                same(value, mine[name], f"{sec['id']}.{key}.{name}")


def _results(r):
    out = {}
    for sec in r["sections"]:
        if sec["type"] in ("rating", "score"):
            out.update({(sec["id"], row["key"]): row["mean"] for row in sec["rows"]})
        elif sec["type"] == "choose":
            out.update({(sec["id"], c["name"]): c["share"] for c in sec["candidates"]})
    return out


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(elections())
def test_the_tally_equals_a_brute_force_recount(election):
    check_against_recount(*election)


@settings(max_examples=60, deadline=None)
@given(elections(), st.randoms())
def test_the_order_of_ballots_changes_nothing(election, rnd):
    sections, groups, ballots, rules, issued = election
    shuffled = list(ballots)
    rnd.shuffle(shuffled)
    assert tally(sections, groups, counts_from_ballots(ballots), rules, issued) == \
        tally(sections, groups, counts_from_ballots(shuffled), rules, issued)


@settings(max_examples=60, deadline=None)
@given(elections(), st.sampled_from([2, 3, 10]))
def test_scaling_every_weight_changes_no_composite(election, factor):
    sections, groups, ballots, rules, issued = election
    scaled = [{**g, "weight": g["weight"] * factor} for g in groups]
    a = _results(tally(sections, groups, counts_from_ballots(ballots), rules, issued))
    b = _results(tally(sections, scaled, counts_from_ballots(ballots), rules, issued))
    assert a.keys() == b.keys()
    assert all((a[k] is None and b[k] is None) or a[k] == pytest.approx(b[k]) for k in a)




def test_the_group_withheld_with_a_small_one_answers_the_same_section():
    """A section for two groups only: hiding a group that does not answer it would protect nothing
    (the totals, 3 不满意 and 10 满意, minus group 2 shown with its 10 满意 are group 1's ballots)."""
    sec = forms.FormSection(1, "rating", "测评", SAT, [forms.Row("10", 10, "对象10")], group_ids=[1, 2])
    b = (ballots_of(1, *[{"1": {"10": "不满意"}}] * 3) + ballots_of(2, *[{"1": {"10": "满意"}}] * 10)
         + ballots_of(3, *[{}] * 6))
    r = tally([sec], G((1, 1, 3), (2, 1, 10), (3, 1, 6)), counts_from_ballots(b), {**DEFAULT_RULES})
    row = r["sections"][0]["rows"][0]
    assert row["mean"] == pytest.approx(1165 / 13, abs=1e-9)  # (3·55 + 10·100) / 13: one pool, so the ballots' mean (not 77.5)
    assert row["groups"] == {1: None, 2: None}          # group 3 does not answer: it is not listed
    assert r["sections"][0]["withheld"] == [1, 2]


def test_two_small_groups_are_not_given_away_by_the_totals():
    """Two groups of one ballot each: hidden alone, the row's totals minus the group shown would
    be exactly their two ballots."""
    sec = rating(1, [10])
    b = (ballots_of(1, {"1": {"10": "不满意"}}) + ballots_of(2, {"1": {"10": "不满意"}})
         + ballots_of(3, *[{"1": {"10": "满意"}}] * 40))
    r = tally([sec], G((1, 1, 1), (2, 1, 1), (3, 1, 40)), counts_from_ballots(b), {**DEFAULT_RULES})
    assert r["sections"][0]["withheld"] == [1, 2, 3]
    assert r["sections"][0]["rows"][0]["groups"] == {1: None, 2: None, 3: None}
    b += ballots_of(4, *[{"1": {"10": "满意"}}] * 3)  # 1 + 1 + 3 = 5 ballots between them: enough
    r = tally([sec], G((1, 1, 1), (2, 1, 1), (3, 1, 40), (4, 1, 3)), counts_from_ballots(b), {**DEFAULT_RULES})
    assert r["sections"][0]["withheld"] == [1, 2, 4]


def test_one_small_group_is_not_given_away_by_the_composite():
    sec = rating(1, [10])
    b = (ballots_of(1, *[{"1": {"10": "满意"}}] * 3) + ballots_of(2, *[{"1": {"10": "基本满意"}}] * 30)
         + ballots_of(3, *[{"1": {"10": "不满意"}}] * 40))
    r = tally([sec], G((1, 1, 3), (2, 1, 30), (3, 1, 40)), counts_from_ballots(b), {**DEFAULT_RULES})
    row = r["sections"][0]["rows"][0]
    assert row["groups"][1] is None and row["groups"][2] is None  # the next smallest is hidden with it
    assert row["groups"][3]["mean"] == 55 and row["mean"] is not None


def test_configured_shares_mean_the_fractions_they_stand_for():
    q = quorum({"share": 0.6667, "base": "issued"}, {1: 2}, {1: 3}, {})
    assert q["met"]  # exactly two thirds meets a two-thirds bar
    sec = rating(1, [10])
    b = ballots_of(1, {"1": {"10": "满意"}}, {"1": {"10": "满意"}}, {"1": {"10": "不满意"}})
    row = tally([sec], G((1, 1, 3)), counts_from_ballots(b), {**DEFAULT_RULES, "small_group_k": 1}
                )["sections"][0]["rows"][0]
    assert row["unfavourable"] == pytest.approx(1 / 3) and not row["laggard"]  # not more than a third


def test_a_failed_quorum_judges_nothing():
    sec = forms.FormSection(2, "choose", "推荐", {"max_choices": 1, "quota": 1}, [forms.Row("5", 5, "王丽华")])
    b = ballots_of(1, *[{"2": {"chosen": [5]}}] * 3)
    r = tally([sec], G((1, 1, 10)), counts_from_ballots(b), {**DEFAULT_RULES, "small_group_k": 1,
              "quorum": {"share": 0.6667, "base": "eligible"}})
    (c,) = r["sections"][0]["candidates"]
    assert r["void"] and not r["quorum"]["met"] and c["votes"] == 3 and c["majority"] and not c["recommended"]
