"""Small groups stay hidden (issue 8, point 10): what a section withholds cannot be recovered from
anything that is published.

The attacker knows every group's weight, eligible count and ballots cast (turnout is public), the
rules, the algorithm, and every published figure: the whole tally output (composites at their
published precision, totals, valid marks, votes, ranks, flags, the figures of the groups shown),
the export rows and the 两推三评 composite built from it. The unknowns are the withheld groups'
counts, row by row: the marks of each option, the votes for a candidate, the scores given.

The criterion: for every row, the set of per-group splits consistent with everything published
equals the set consistent with the pooled facts alone — the sum over the withheld groups of each
count, with each group's count vector bounded by its ballots — so the publication says nothing
about the split beyond the pool. In particular the split is never unique unless the pooled facts
alone force it (a unanimous pool: six withheld 满意 are six 满意 whoever cast them).

The test enumerates those splits (groups are small, so exhaustively up to a cap and then a
sample), re-tallies each and requires the same publication: a split that published differently
would be one the attacker can rule out, i.e. an equation about the split beyond the pool.
"""
from __future__ import annotations

import copy
import itertools
from collections import Counter
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ballots import forms
from ballots.sections import DEFAULT_RULES
from ballots.tally import ScoreAgg, counts_from_ballots, tally
from service.results.exports import result_rows
from service.results.operations import composite

APPROVE = ["赞成", "不赞成", "弃权"]
NAMES = ["赵静", "钱多"]
SCORES = [55, 60, 70, 85, 90, 100]
LIMIT = 120  # splits re-tallied per row; beyond it, a sample


def G(*specs):
    return [{"id": i, "name": f"群体{i}", "weight": w, "eligible": e} for i, w, e in specs]


def ballots_of(group, *answers):
    return [{"group_id": group, "answers": a} for a in answers]


def published(sections, groups, counts, rules, issued=None):
    """Everything a reader can see that depends on the ballots' contents."""
    r = tally(sections, groups, counts, rules, issued)
    subjects = sorted({(row.subject_id, row.name) for sec in sections for row in sec.rows})
    both = composite([{"id": s, "name": n} for s, n in subjects], [r], [], {"ballots": 1})
    return r, result_rows(r), both


# --- the unknowns of a row, and their splits among the withheld groups ----------------------------

def row_unknowns(sec, groups_with_ballots, counts, ballots):
    """(key, labels, per-group count vectors) for each row or candidate of a section."""
    out = []
    if sec.type in ("rating", "approve"):
        labels = sec.options
        for row in sec.rows:
            out.append((("options", row.key), labels,
                        {g: tuple(counts.options.get((sec.id, g, row.key, o), 0) for o in labels)
                         for g in groups_with_ballots}))
    elif sec.type == "choose":
        for row in sec.rows:
            out.append((("chosen", row.subject_id), [None],
                        {g: (counts.chosen.get((sec.id, g, row.subject_id), 0),) for g in groups_with_ballots}))
        for name in NAMES:
            out.append((("write_ins", name), [None],
                        {g: (counts.write_ins.get((sec.id, g, name), 0),) for g in groups_with_ballots}))
    elif sec.type == "score":
        for row in sec.rows:
            given_ = {g: Counter(b["answers"].get(str(sec.id), {}).get(row.key) for b in ballots
                                 if b["group_id"] == g) for g in groups_with_ballots}
            out.append((("scores", row.key), SCORES, {g: tuple(given_[g][v] for v in SCORES)
                                                     for g in groups_with_ballots}))
    return out


def splits(pooled: tuple, caps: list[int]):
    """Every way to share the pooled count vector among groups, each holding at most its cap."""
    if len(caps) == 1:
        if sum(pooled) <= caps[0]:
            yield (pooled,)
        return
    for v in itertools.product(*(range(min(p, caps[0]) + 1) for p in pooled)):
        if sum(v) <= caps[0]:
            rest = tuple(p - x for p, x in zip(pooled, v))
            for tail in splits(rest, caps[1:]):
                yield (v,) + tail


def with_split(sec, counts, key, labels, split: dict):
    """A copy of the counts with one row's figures of the withheld groups replaced."""
    c = copy.copy(counts)
    kind, item = key
    target = copy.copy(getattr(c, kind))
    setattr(c, kind, target)
    for g, vector in split.items():
        if kind == "options":
            for label, n in zip(labels, vector):
                _put(target, (sec.id, g, item, label), n)
        elif kind == "scores":
            agg = ScoreAgg()
            for value, n in zip(labels, vector):
                for _ in range(n):
                    agg.add(value)
            _put(target, (sec.id, g, item), agg if agg.n else 0)
        else:
            _put(target, (sec.id, g, item), vector[0])
    return c


def _put(target, key, value):
    """No key for nothing, as counted from ballots (a write-in key alone names a candidate)."""
    if value:
        target[key] = value
    else:
        target.pop(key, None)


def consistent_splits(sections, groups, ballots, rules, sec_id, key, issued=None, rnd=None):
    """(splits consistent with the pooled facts, those also consistent with every publication)
    of one row, over the groups the section withholds that returned ballots."""
    counts = counts_from_ballots(ballots)
    truth = published(sections, groups, counts, rules, issued)
    sec = next(s for s in sections if s.id == sec_id)
    out = next(x for x in truth[0]["sections"] if x["id"] == sec_id)
    hidden = [g for g in out["withheld"] if counts.ballots.get(g)]
    (labels, vectors), = [(lab, vec) for k, lab, vec in row_unknowns(sec, hidden, counts, ballots) if k == key]
    pooled = tuple(map(sum, zip(*vectors.values())))
    pool = [dict(zip(hidden, s)) for s in itertools.islice(splits(pooled, [counts.ballots[g] for g in hidden]),
                                                           20 * LIMIT)]
    if len(pool) > LIMIT and rnd is not None:
        pool = [dict(zip(hidden, vectors.values()))] + rnd.sample(pool, LIMIT)
    same = [s for s in pool if published(sections, groups, with_split(sec, counts, key, labels, s), rules,
                                         issued) == truth]
    return pool, same


# --- worked cases: the scenario -----------------------------------------------------------

def _choose():
    return forms.FormSection(2, "choose", "推荐", {"max_choices": 1, "quota": 1},
                             [forms.Row("7", 7, "王丽华"), forms.Row("8", 8, "李强")])


def test_two_withheld_groups_of_different_weights_per_ballot_keep_their_votes_apart():
    """A: 3 ballots at weight 0.3, B: 4 at 0.2 (0.1 and 0.05 a ballot), both under k = 5; C: 20 shown.
    Weighted group by group, the composite share is a second equation beside the votes:
    x_A + x_B = 3 and 0.1·x_A + 0.05·x_B = 0.25 give x_A = 2, x_B = 1 exactly. As one pool of 7
    ballots at weight 0.5 it is 0.5·3/7 + 0.5·12/20 whatever the split."""
    groups = G((1, 0.3, 3), (2, 0.2, 4), (3, 0.5, 20))
    b = (ballots_of(1, *[{"2": {"chosen": [7]}}] * 2, {"2": {"chosen": [8]}})
         + ballots_of(2, {"2": {"chosen": [7]}}, *[{"2": {"chosen": [8]}}] * 3)
         + ballots_of(3, *[{"2": {"chosen": [7]}}] * 12, *[{"2": {"chosen": [8]}}] * 8))
    r = tally([_choose()], groups, counts_from_ballots(b), DEFAULT_RULES)
    sec = r["sections"][0]
    assert sec["withheld"] == [1, 2]
    wang = next(c for c in sec["candidates"] if c["subject_id"] == 7)
    assert wang["votes"] == 15 and wang["groups"] == {1: None, 2: None, 3: {"votes": 12, "share": 0.6}}
    assert wang["share"] == round(float(Fraction(1, 2) * Fraction(3, 7) + Fraction(1, 2) * Fraction(12, 20)), 12)
    pool, same = consistent_splits([_choose()], groups, b, DEFAULT_RULES, 2, ("chosen", 7))
    assert [(s[1], s[2]) for s in same] == [((0,), (3,)), ((1,), (2,)), ((2,), (1,)), ((3,), (0,))]
    assert same == pool


def test_the_composite_of_a_row_does_not_tell_which_withheld_group_marked_what():
    """满意 ×2 from a group of 2 and 不满意 ×4 from a group of 4, equal weights. Weighted group by
    group, the composite rate (r₁ + r₂ + 1) / 3 was 2/3 for this split, 7/12 with one 满意 from
    each group and 1/2 with both from the larger: it told which."""
    sec = forms.FormSection(1, "rating", "测评", {"scale": "satisfaction"}, [forms.Row("10", 10, "对象10")])
    groups = G((1, 1, None), (2, 1, None), (3, 1, None))
    b = (ballots_of(1, *[{"1": {"10": "满意"}}] * 2) + ballots_of(2, *[{"1": {"10": "不满意"}}] * 4)
         + ballots_of(3, *[{"1": {"10": "基本满意"}}] * 9))
    r = tally([sec], groups, counts_from_ballots(b), DEFAULT_RULES)
    row = r["sections"][0]["rows"][0]
    assert row["rate"] == round(float((2 * Fraction(2, 6) + 1) / 3), 12)      # the pool of six at weight 2
    assert row["mean"] == round(float((2 * Fraction(420, 6) + 75) / 3), 12)   # (200 + 220) / 6 = 70
    pool, same = consistent_splits([sec], groups, b, DEFAULT_RULES, 1, ("options", "10"))
    assert len(pool) > 1 and same == pool


def test_a_withheld_group_without_a_valid_mark_keeps_its_weight_in_the_pool():
    """Under weight_base 'returned' a group with no valid mark on a row lost its weight; withheld,
    that would say that its ballots were all 不了解 or blank. In the pool its weight stays."""
    sec = forms.FormSection(1, "rating", "测评", {"scale": "satisfaction"}, [forms.Row("10", 10, "对象10")])
    groups = G((1, 1, None), (2, 3, None), (3, 1, None))
    one = (ballots_of(1, *[{"1": {"10": "不了解"}}] * 2) + ballots_of(2, *[{"1": {"10": "满意"}}] * 3)
           + ballots_of(3, *[{"1": {"10": "不满意"}}] * 9))
    other = (ballots_of(1, *[{"1": {"10": "满意"}}] * 2) + ballots_of(2, {"1": {"10": "满意"}}, *[{"1": {"10": "不了解"}}] * 2)
             + ballots_of(3, *[{"1": {"10": "不满意"}}] * 9))
    a, b = (published([sec], groups, counts_from_ballots(x), DEFAULT_RULES) for x in (one, other))
    assert a == b
    assert a[0]["sections"][0]["rows"][0]["mean"] == round((4 * 100 + 55) / 5, 12)


def test_scores_of_withheld_groups_are_pooled_then_trimmed():
    """Two groups of three raters (neither trimmed alone at trim_above 5): pooled, six raters, the
    highest and the lowest of the pool are dropped."""
    sec = forms.FormSection(3, "score", "打分", {"min": 0, "max": 100, "trim_above": 5}, [forms.Row("7", 7, "王丽华")])
    groups = G((1, 2, None), (2, 1, None), (3, 1, None))
    b = (ballots_of(1, *[{"3": {"7": s}} for s in (100, 90, 85)]) + ballots_of(2, *[{"3": {"7": s}} for s in (70, 55, 60)])
         + ballots_of(3, *[{"3": {"7": 80}}] * 6))
    row = tally([sec], groups, counts_from_ballots(b), DEFAULT_RULES)["sections"][0]["rows"][0]
    assert row["groups"] == {1: None, 2: None, 3: {"raters": 6, "mean": 80, "trimmed": True}}
    assert row["mean"] == round(float((3 * Fraction(90 + 85 + 70 + 60, 4) + 80) / 4), 12)  # 100 and 55 dropped
    pool, same = consistent_splits([sec], groups, b, DEFAULT_RULES, 3, ("scores", "7"))
    assert len(pool) > 1 and same == pool


# --- the property: random rounds, every withheld row re-split ------------------------------------

@st.composite
def rounds(draw):
    n_groups = draw(st.integers(2, 4))
    groups = [{"id": i + 1, "name": f"g{i}", "weight": draw(st.sampled_from([0.1, 0.2, 0.25, 0.3, 0.5, 1, 2])),
               "eligible": draw(st.sampled_from([None, 3, 6, 10]))} for i in range(n_groups)]
    ids = [g["id"] for g in groups]
    sizes = {g: draw(st.integers(0, 6)) for g in ids}
    subjects = list(range(100, 100 + draw(st.integers(1, 3))))
    scale = draw(st.sampled_from(["satisfaction", "member"]))
    n_choose = draw(st.integers(1, len(subjects)))

    def some_groups():
        return draw(st.one_of(st.none(), st.lists(st.sampled_from(ids), min_size=2, unique=True)))

    def rows():
        return [forms.Row(str(s), s, f"s{s}") for s in subjects]
    sections = [forms.FormSection(1, "rating", "r", {"scale": scale}, rows(), some_groups()),
                forms.FormSection(2, "choose", "c", {"max_choices": n_choose, "quota": draw(st.integers(1, n_choose)),
                                                     "write_ins": True}, rows(), some_groups()),
                forms.FormSection(3, "approve", "a", {}, rows(), some_groups()),
                forms.FormSection(4, "score", "s", {"min": 0, "max": 100,
                                                    "trim_above": draw(st.sampled_from([None, 2, 3]))},
                                  rows(), some_groups())]
    labels = [o["label"] for o in forms.scale_options({"scale": scale})]
    ballots = []
    for g in ids:
        form = [sec for sec in sections if not sec.group_ids or g in sec.group_ids]
        for _ in range(sizes[g]):
            answers = {}
            for sec in form:
                if sec.type in ("rating", "approve"):
                    options = labels if sec.type == "rating" else APPROVE
                    grid = {str(s): draw(st.sampled_from(options)) for s in subjects if draw(st.booleans())}
                elif sec.type == "score":
                    grid = {str(s): draw(st.sampled_from(SCORES)) for s in subjects if draw(st.booleans())}
                else:
                    chosen = draw(st.lists(st.sampled_from(subjects), max_size=n_choose, unique=True))
                    write_ins = draw(st.lists(st.sampled_from(NAMES), max_size=n_choose - len(chosen), unique=True))
                    grid = {k: v for k, v in (("chosen", sorted(chosen)), ("write_ins", write_ins)) if v}
                if grid:
                    answers[str(sec.id)] = grid
            assert not forms.validate(form, answers)[1], answers
            ballots.append({"group_id": g, "answers": answers})
    rules = {**DEFAULT_RULES, "weight_base": draw(st.sampled_from(["returned", "all"])),
             "small_group_k": draw(st.sampled_from([3, 4, 5])),
             "majority": {"threshold": draw(st.sampled_from(["more_than_half", "two_thirds", "sixty_percent"])),
                          "base": draw(st.sampled_from(["valid", "cast", "eligible"]))},
             "quorum": draw(st.sampled_from([None, {"share": 0.6667, "base": "eligible"}]))}
    return sections, groups, ballots, rules


def leaks(sections, groups, ballots, rules, rnd=None):
    """The rows whose withheld split the publication narrows: (section, row, pooled, consistent)."""
    counts = counts_from_ballots(ballots)
    result = tally(sections, groups, counts, rules)
    k = rules["small_group_k"]
    found = []
    for sec, out in zip(sections, result["sections"]):
        answering = [g["id"] for g in groups if not sec.group_ids or g["id"] in sec.group_ids]
        cast = {g: counts.ballots.get(g, 0) for g in answering}
        hidden = [g for g in out["withheld"] if cast[g]]
        # withheld: every group under k; and k ballots or more between them, or none, or everyone
        assert {g for g in answering if cast[g] < k} <= set(out["withheld"]), (sec.id, cast, out["withheld"])
        held = sum(cast[g] for g in hidden)
        assert held == 0 or held >= k or set(out["withheld"]) == set(answering), (sec.id, cast)
        if len(hidden) < 2:
            continue  # nothing to split: one group or none, whose pool the totals give anyway
        unknowns = row_unknowns(sec, hidden, counts, ballots)
        for key, _labels, _vectors in unknowns:
            pool, same = consistent_splits(sections, groups, ballots, rules, sec.id, key, rnd=rnd)
            if len(same) < len(pool):
                found.append((sec.id, key, len(pool), len(same)))
        if rnd is not None and not found:  # and every row re-split at once
            joint = counts
            for key, labels, vectors in unknowns:
                pooled = tuple(map(sum, zip(*vectors.values())))
                options = list(itertools.islice(splits(pooled, [cast[g] for g in hidden]), LIMIT))
                joint = with_split(sec, joint, key, labels, dict(zip(hidden, rnd.choice(options))))
            if published(sections, groups, joint, rules) != published(sections, groups, counts, rules):
                found.append((sec.id, "every row", None, None))
    return found


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(rounds(), st.randoms(use_true_random=False))
def test_no_published_figure_narrows_a_withheld_split(election, rnd):
    assert leaks(*election, rnd=rnd) == []


@pytest.mark.parametrize("n", [1, 4])
def test_a_section_answered_by_fewer_than_k_ballots_in_all_publishes_no_figure(n):
    """One voter (or four) in the whole round: the totals would be their ballots, and the people
    at the meeting know who came. Counted as if no ballot came; the ballots' number stays."""
    sec = forms.FormSection(1, "rating", "测评", {"scale": "satisfaction"}, [forms.Row("10", 10, "对象10")])
    groups = G((1, 1, None), (2, 1, None))
    r = tally([sec], groups, counts_from_ballots(ballots_of(1, *[{"1": {"10": "不满意"}}] * n)), DEFAULT_RULES)
    out = r["sections"][0]
    assert r["ballots"] == n and out["too_few"] is True and out["withheld"] == [1, 2]
    row = out["rows"][0]
    assert row["counts"] == {"满意": 0, "基本满意": 0, "不满意": 0, "不了解": 0} and row["valid"] == 0
    assert row["rate"] is None and row["mean"] is None and row["rank"] is None and not row["laggard"]
    five = tally([sec], groups, counts_from_ballots(ballots_of(1, *[{"1": {"10": "不满意"}}] * 5)), DEFAULT_RULES)
    assert five["sections"][0]["too_few"] is False and five["sections"][0]["rows"][0]["counts"]["不满意"] == 5
