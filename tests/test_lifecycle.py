"""The lifecycle and readiness rules of the domain, without database or Flask."""
from __future__ import annotations

import pytest

from ballots import lifecycle


def test_only_the_next_state_is_allowed():
    """Forward one step, or from closed straight to archived (a campaign that publishes no list)."""
    for i, state in enumerate(lifecycle.STATES):
        for j, target in enumerate(lifecycle.STATES):
            if j == i + 1 or (state, target) == ("closed", "archived"):
                lifecycle.check_transition(state, target)
            else:
                with pytest.raises(lifecycle.TransitionRefused) as exc:
                    lifecycle.check_transition(state, target)
                assert state in exc.value.reason


def test_readiness_names_what_is_missing():
    assert len(lifecycle.readiness({"groups": [], "subjects": [], "rounds": []})) == 3
    subjects = [{"id": 1, "category": "甲"}, {"id": 2, "category": "乙"}]
    definition = {
        "groups": [{"weight": 0}],
        "subjects": subjects,
        "rounds": [{"title": "推荐", "sections": [
            {"type": "choose", "title": "限选", "subject_ids": None, "config": {"max_choices": 2, "category": "甲"}},
            {"type": "rating", "title": "测评", "subject_ids": None, "config": {"category": "丙"}},
        ]}],
    }
    problems = lifecycle.readiness(definition)
    assert "参评群体的权重不能全为 0" in problems
    assert any("候选人少于限选人数 2" in p for p in problems)
    assert any("「测评」没有对象" in p for p in problems)
    definition["groups"][0]["weight"] = 1
    definition["rounds"][0]["sections"][0]["config"]["write_ins"] = True
    definition["rounds"][0]["sections"][1]["config"]["category"] = "乙"
    assert lifecycle.readiness(definition) == []
