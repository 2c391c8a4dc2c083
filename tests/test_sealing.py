"""Sealed ballots and the mixer's rules (ballots/sealing.py, ballots/mixing.py): a sealed ballot
opens only with its key, round and group; every sealed ballot of a round has one length; the
length every ballot is padded to bounds every valid ballot of the form."""
from __future__ import annotations

import string

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ballots import forms, mixing, sealing
from ballots.forms import FormSection, Row

ROWS = [Row(key=str(i), subject_id=i, name=f"对象{i}") for i in (7, 88, 1234)]
SECTIONS = [
    FormSection(1, "rating", "满意度", {"scale": "satisfaction"}, ROWS),
    FormSection(2, "approve", "同意", {}, ROWS[:2]),
    FormSection(3, "choose", "推荐", {"max_choices": 2, "write_ins": True}, ROWS),
    FormSection(4, "score", "打分", {"min": 0, "max": 100}, ROWS),
    FormSection(5, "text", "意见建议", {"max_length": 40}),
]
ROUND, GROUPS = 31, (5, 17)


def test_a_sealed_ballot_opens_with_its_key_round_and_group_only():
    key, ballot = sealing.new_key(), forms.canonical({"answers": {"5": "好"}, "group_id": 5, "id": "x", "round_id": 31})
    sealed = sealing.seal(key, ROUND, 5, ballot, 300)
    assert sealing.open_sealed(key, ROUND, 5, sealed) == ballot
    assert ballot not in sealed and len(sealed) == sealing.sealed_size(300)
    for other in ((sealing.new_key(), ROUND, 5), (key, ROUND + 1, 5), (key, ROUND, 17)):
        with pytest.raises(sealing.SealBroken):
            sealing.open_sealed(*other, sealed)
    tampered = bytearray(sealed)
    tampered[-1] ^= 1
    with pytest.raises(sealing.SealBroken):
        sealing.open_sealed(key, ROUND, 5, bytes(tampered))
    with pytest.raises(ValueError):
        sealing.seal(key, ROUND, 5, ballot, len(ballot) - 1)


def test_two_seals_of_one_ballot_differ():
    key, ballot = sealing.new_key(), b'{"answers":{}}'
    assert sealing.seal(key, ROUND, 5, ballot, 64) != sealing.seal(key, ROUND, 5, ballot, 64)


_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00\x7f"
                                       + "".join(chr(c) for c in range(1, 32) if c not in (9, 10))), max_size=60)


@st.composite
def valid_answers(draw):
    answers = {}
    if draw(st.booleans()):
        answers["1"] = {r.key: draw(st.sampled_from(SECTIONS[0].options)) for r in ROWS if draw(st.booleans())}
    if draw(st.booleans()):
        answers["2"] = {r.key: draw(st.sampled_from(forms.APPROVE_OPTIONS)) for r in ROWS[:2]}
    chosen = draw(st.lists(st.sampled_from([r.subject_id for r in ROWS]), max_size=2, unique=True))
    names = draw(st.lists(_text.map(lambda t: t.strip()[:50]).filter(lambda t: t and t not in {r.name for r in ROWS}),
                          max_size=2 - len(chosen), unique=True))
    answers["3"] = {"chosen": chosen, "write_ins": names}
    answers["4"] = {r.key: draw(st.one_of(st.integers(0, 100), st.floats(0, 100, allow_nan=False)))
                    for r in ROWS if draw(st.booleans())}
    answers["5"] = draw(_text.map(lambda t: t[:40]))
    return answers


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(answers=valid_answers(), group=st.sampled_from(GROUPS))
def test_every_valid_ballot_fits_the_rounds_length(answers, group):
    clean, problems = forms.validate(SECTIONS, answers)
    if problems:  # the strategy draws some invalid ones (e.g. repeated write-ins after stripping)
        return
    ballot = forms.canonical({"id": "3f2a0c1e-0000-4000-8000-00000000abcd", "round_id": ROUND, "group_id": group,
                              "answers": clean})
    assert len(ballot) <= sealing.ballot_size(SECTIONS, ROUND, GROUPS)


def test_the_widest_ballot_is_the_bound():
    """The longest text at 4 bytes a character, two longest write-ins: the bound is met exactly."""
    wide = "\U00020000"
    answers = {"1": {r.key: "基本满意" for r in ROWS}, "2": {r.key: "不赞成" for r in ROWS[:2]},
               "3": {"write_ins": [wide * 50, wide * 49 + "a"]}, "4": {r.key: 99.12345678901234 for r in ROWS},
               "5": wide * 40}
    clean, problems = forms.validate(SECTIONS, answers)
    assert not problems, problems.by_section
    ballot = forms.canonical({"id": "3f2a0c1e-0000-4000-8000-00000000abcd", "round_id": ROUND, "group_id": 17,
                              "answers": clean})
    bound = sealing.ballot_size(SECTIONS, ROUND, GROUPS)
    assert len(ballot) <= bound < len(ballot) + 200  # close: padding costs little beyond the widest ballot


def test_the_mixers_crowds():
    """While voting is open a batch opens all but k and only when 2k wait, so k always stay for
    the close's last batch; the close opens what is left (k or more, or the whole group)."""
    assert mixing.to_open(19, 10, closing=False) == 0
    assert mixing.to_open(20, 10, closing=False) == 10 and mixing.to_open(33, 10, closing=False) == 23
    assert mixing.to_open(7, 10, closing=True) == 7 and mixing.to_open(10, 10, closing=True) == 10


def test_a_score_range_of_large_integers_still_fits():
    wide = FormSection(9, "score", "打分", {"min": -1e30, "max": 1e30}, ROWS[:1])
    clean, problems = forms.validate([wide], {"9": {ROWS[0].key: -10 ** 29}})
    assert not problems
    ballot = forms.canonical({"id": "3f2a0c1e-0000-4000-8000-00000000abcd", "round_id": ROUND, "group_id": 17,
                              "answers": clean})
    assert len(ballot) <= sealing.ballot_size([wide], ROUND, GROUPS)
    items = list(string.ascii_letters)
    orders = {tuple(mixing.shuffled(items)) for _ in range(20)}
    assert all(sorted(o) == sorted(items) for o in orders) and len(orders) > 15
