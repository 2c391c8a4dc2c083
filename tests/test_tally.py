"""The tally: worked examples computed by hand, and a property test against a recount written
independently here, straight from the ballots."""
from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from ballots import forms
from ballots.sections import DEFAULT_RULES
from ballots.tally import counts_from_ballots, quorum, tally

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
    assert row["mean"] == pytest.approx(0.3 * 100 + 0.3 * 75 + 0.4 * 77.5)  # 83.5, not the ballot mean 79.2
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
    votes = {1: 9, 2: 8, 3: 7, 4: 7, 5: 2, 6: 1, 7: 0, 8: 0}  # 10 ballots, 34 marks ≤ 3 each
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
    assert row["groups"][2] is None  # and, with only two groups, the other too: 2·87.5 − 75 would give it away
    assert row["mean"] == 87.5 and r["groups"][0]["suppressed"] and r["groups"][1]["suppressed"]
    with_third = tally([sec], G((1, 0.5, 3), (2, 0.5, 6), (3, 0.5, 8)),
                       counts_from_ballots(b + ballots_of(3, *[{"1": {"10": "满意"}}] * 8)),
                       {**DEFAULT_RULES, "small_group_k": 5})["sections"][0]["rows"][0]
    assert with_third["groups"][1] is None and with_third["groups"][2] is None  # the smallest other one
    assert with_third["groups"][3]["mean"] == 100


# --- the property test ----------------------------------------------------------------------

def brute_force(sections, groups, ballots, rules):
    """A recount that shares nothing with ballots.tally but the rules it implements."""
    by_group = {g["id"]: [b for b in ballots if b["group_id"] == g["id"]] for g in groups}
    w = {g["id"]: Fraction(str(g["weight"])) for g in groups}

    def combine(values):
        present = {g: v for g, v in values.items() if v is not None}
        if not present:
            return None
        pool = present if rules["weight_base"] == "returned" else w
        total = sum(w[g] for g in pool)
        return None if total == 0 else sum(w[g] * v for g, v in present.items()) / total

    out = {}
    for sec in sections:
        if sec.type == "rating":
            points = {o["label"]: o["points"] for o in forms.scale_options(sec.config)}
            for row in sec.rows:
                means = {}
                for g, bs in by_group.items():
                    marks = [b["answers"].get(str(sec.id), {}).get(row.key) for b in bs]
                    scored = [Fraction(points[m]) for m in marks if m is not None and points[m] is not None]
                    means[g] = sum(scored) / len(scored) if scored else None
                out[(sec.id, row.key)] = combine(means)
        elif sec.type == "choose":
            for row in sec.rows:
                shares = {}
                for g, bs in by_group.items():
                    n = sum(1 for b in bs if row.subject_id in b["answers"].get(str(sec.id), {}).get("chosen", []))
                    shares[g] = Fraction(n, len(bs)) if bs else None
                out[(sec.id, row.key)] = combine(shares)
    return out


@st.composite
def elections(draw):
    n_groups = draw(st.integers(1, 4))
    groups = [{"id": i + 1, "name": f"g{i}", "weight": draw(st.sampled_from([0.1, 0.2, 0.25, 0.3, 0.5, 1, 2])),
               "eligible": None} for i in range(n_groups)]
    subjects = list(range(100, 100 + draw(st.integers(1, 6))))
    scale = draw(st.sampled_from(["satisfaction", "member"]))
    n_choose = draw(st.integers(1, len(subjects)))
    sections = [rating(1, subjects, {"scale": scale}),
                forms.FormSection(2, "choose", "c", {"max_choices": n_choose, "quota": n_choose},
                                  [forms.Row(str(s), s, f"s{s}") for s in subjects])]
    labels = [o["label"] for o in forms.scale_options({"scale": scale})]
    ballots = []
    for _ in range(draw(st.integers(0, 40))):
        g = draw(st.sampled_from(groups))["id"]
        grid = {str(s): draw(st.sampled_from(labels)) for s in subjects if draw(st.booleans())}
        chosen = draw(st.lists(st.sampled_from(subjects), max_size=n_choose, unique=True))
        answers = {}
        if grid:
            answers["1"] = grid
        if chosen:
            answers["2"] = {"chosen": sorted(chosen)}
        assert not forms.validate(sections, answers)[1]
        ballots.append({"group_id": g, "answers": answers})
    base = draw(st.sampled_from(["returned", "all"]))
    return sections, groups, ballots, {**DEFAULT_RULES, "weight_base": base, "small_group_k": 1,
                                       "majority": {"threshold": "more_than_half", "base": "cast"}}


def _results(r):
    out = {}
    for sec in r["sections"]:
        if sec["type"] == "rating":
            out.update({(sec["id"], row["key"]): row["mean"] for row in sec["rows"]})
        else:
            out.update({(sec["id"], str(c["subject_id"])): c["share"] for c in sec["candidates"]})
    return out


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(elections())
def test_the_tally_equals_a_brute_force_recount(election):
    sections, groups, ballots, rules = election
    got = _results(tally(sections, groups, counts_from_ballots(ballots), rules))
    expected = brute_force(sections, groups, ballots, rules)
    assert set(got) == set(expected)
    for key, value in expected.items():
        assert (got[key] is None) == (value is None), key
        if value is not None:
            assert got[key] == pytest.approx(float(value), abs=1e-6), key


@settings(max_examples=60, deadline=None)
@given(elections(), st.randoms())
def test_the_order_of_ballots_changes_nothing(election, rnd):
    sections, groups, ballots, rules = election
    shuffled = list(ballots)
    rnd.shuffle(shuffled)
    assert tally(sections, groups, counts_from_ballots(ballots), rules) == \
        tally(sections, groups, counts_from_ballots(shuffled), rules)


@settings(max_examples=60, deadline=None)
@given(elections(), st.sampled_from([2, 3, 10]))
def test_scaling_every_weight_changes_no_composite(election, factor):
    sections, groups, ballots, rules = election
    scaled = [{**g, "weight": g["weight"] * factor} for g in groups]
    a = _results(tally(sections, groups, counts_from_ballots(ballots), rules))
    b = _results(tally(sections, scaled, counts_from_ballots(ballots), rules))
    assert a.keys() == b.keys()
    assert all((a[k] is None and b[k] is None) or a[k] == pytest.approx(b[k]) for k in a)




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
