"""两推三评: the composite of ballots, organisation and leader scores, worked by hand."""
from __future__ import annotations

from service.results.operations import composite

SUBJECTS = [{"id": 1, "name": "王丽华"}, {"id": 2, "name": "李建国"}]
WEIGHTS = {"ballots": 0.6, "organisation": 0.2, "leaders": 0.2}


def rnd(means, void=False):
    return {"void": void, "sections": [{"type": "rating", "rows": [
        {"subject_id": s, "mean": m} for s, m in means.items()]}]}


def entries(subject, source, *scores):
    return [{"subject_id": subject, "source": source, "score": x} for x in scores]


def test_leader_scores_from_more_than_five_leaders_drop_the_highest_and_the_lowest():
    leaders = entries(1, "leaders", 98, 90, 88, 86, 84, 60)  # six: (90 + 88 + 86 + 84) / 4 = 87
    out = {o["subject_id"]: o for o in composite(SUBJECTS, [rnd({1: 80, 2: 90})],
                                                 leaders + entries(1, "organisation", 85), WEIGHTS)}
    assert out[1]["leaders"] == 87
    assert out[1]["total"] == 82.4  # 0.6·80 + 0.2·85 + 0.2·87 = 48 + 17 + 17.4
    five = composite(SUBJECTS, [], entries(1, "leaders", 98, 90, 88, 86, 60), WEIGHTS)
    assert {o["subject_id"]: o["leaders"] for o in five}[1] == 84.4  # 422 / 5, not trimmed
    never = composite(SUBJECTS, [], leaders, WEIGHTS, trim_above=None)
    assert {o["subject_id"]: o["leaders"] for o in never}[1] == 84.3333  # 506 / 6


def test_a_round_that_failed_its_quorum_is_left_out():
    out = composite(SUBJECTS, [rnd({1: 80}), rnd({1: 20}, void=True)], [], {"ballots": 1})
    assert {o["subject_id"]: o["ballots"] for o in out}[1] == 80


def test_a_missing_source_is_named_and_the_rest_are_renormalised():
    out = {o["subject_id"]: o for o in composite(SUBJECTS, [rnd({1: 80, 2: 100})],
                                                 entries(1, "organisation", 90) + entries(1, "leaders", 70) +
                                                 entries(2, "organisation", 70), WEIGHTS)}
    assert out[1]["missing"] == [] and out[1]["total"] == 80  # 48 + 18 + 14
    assert out[2]["missing"] == ["leaders"]
    assert out[2]["total"] == 92.5  # (0.6·100 + 0.2·70) / 0.8
    assert (out[2]["rank"], out[1]["rank"]) == (1, 2)
