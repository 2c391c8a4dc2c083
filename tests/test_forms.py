"""The ballot form and its rules, without database or Flask."""
from __future__ import annotations

from ballots import forms

DEFINITION = {
    "subjects": [{"id": 1, "name": "甲", "unit": "", "commitment": "诺", "category": "a"},
                 {"id": 2, "name": "乙", "unit": "x", "commitment": "", "category": "a"},
                 {"id": 3, "name": "丙", "unit": "", "commitment": "", "category": "b"}],
    "rounds": [{"id": 7, "sections": [
        {"id": 10, "type": "rating", "title": "r", "subject_ids": None, "group_ids": None,
         "config": {"scale": "member", "category": "a", "criteria": ["学习", "服务"],
                    "caps": [{"option": "优秀", "max_share": 0.5}]}},
        {"id": 11, "type": "choose", "title": "c", "subject_ids": [1, 2, 3], "group_ids": [5],
         "config": {"max_choices": 2, "write_ins": True}},
        {"id": 12, "type": "text", "title": "t", "subject_ids": None, "group_ids": [6], "config": {"max_length": 5}},
    ]}],
}


def test_rows_follow_categories_criteria_and_groups():
    sections = forms.build_form(DEFINITION, 7, 5)
    assert [s.id for s in sections] == [10, 11]  # the text section is for group 6 only
    assert [r.key for r in sections[0].rows] == ["1:0", "1:1", "2:0", "2:1"]
    assert sections[0].options == ["优秀", "合格", "基本合格", "不合格"]
    assert [r.subject_id for r in sections[1].rows] == [1, 2, 3]


def test_caps_count_rows_of_the_section():
    sections = forms.build_form(DEFINITION, 7, 5)
    ok, p = forms.validate(sections, {"10": {"1:0": "优秀", "1:1": "优秀", "2:0": "合格"}})
    assert not p and ok == {"10": {"1:0": "优秀", "1:1": "优秀", "2:0": "合格"}}
    _, p = forms.validate(sections, {"10": {"1:0": "优秀", "1:1": "优秀", "2:0": "优秀"}})
    assert p.by_section["10"][0]["code"] == "cap_exceeded" and p.by_section["10"][0]["limit"] == 2


def test_answers_are_normalised():
    sections = forms.build_form(DEFINITION, 7, 5)
    ok, p = forms.validate(sections, {"10": {"1:0": "", "2:1": None}, "11": {"chosen": [2],
                                                                           "write_ins": [" 丁 ", ""]}})
    assert not p and ok == {"11": {"chosen": [2], "write_ins": ["丁"]}}  # blanks are abstentions


def test_write_ins_count_against_the_limit():
    sections = forms.build_form(DEFINITION, 7, 5)
    _, p = forms.validate(sections, {"11": {"chosen": [1, 2], "write_ins": ["丁"]}})
    assert p.by_section["11"][0]["message"] == "限选 2 人，已选 3 人"


def test_booleans_are_not_numbers_and_not_ids():
    sections = forms.build_form(DEFINITION, 7, 5)
    _, p = forms.validate(sections, {"11": {"chosen": [True]}})
    assert p.by_section["11"][0]["code"] == "wrong_type"
    _, p = forms.validate(sections, "not a dict")
    assert p.by_section["_ballot"][0]["code"] == "wrong_type"


def test_trackers_are_canonical_and_short_form_is_stable():
    a = forms.tracker("id-1", 7, 5, {"11": {"chosen": [1]}, "10": {"1:0": "优秀"}})
    b = forms.tracker("id-1", 7, 5, {"10": {"1:0": "优秀"}, "11": {"chosen": [1]}})
    assert a == b and forms.tracker("id-2", 7, 5, {}) != forms.tracker("id-1", 7, 5, {})
    assert len(forms.short_tracker(a)) == 19
    assert forms.canonical({"b": 1, "a": "中"}) == '{"a":"中","b":1}'.encode()


def test_short_tracker_is_the_top_80_bits_in_the_token_alphabet():
    import secrets

    from ballots.tokens import ALPHABET

    def by_arithmetic(digest):  # the definition: 16 digits of 5 bits, most significant first
        value = int.from_bytes(digest[:10], "big")
        chars = "".join(ALPHABET[(value >> (5 * i)) & 31] for i in reversed(range(16)))
        return "-".join(chars[i:i + 4] for i in range(0, 16, 4))

    assert forms.short_tracker(bytes(10) + b"x" * 22) == "0000-0000-0000-0000"
    assert forms.short_tracker(b"\xff" * 10) == "ZZZZ-ZZZZ-ZZZZ-ZZZZ"
    assert forms.short_tracker(bytes(9) + b"\x21") == "0000-0000-0000-0011"
    for _ in range(2000):
        digest = secrets.token_bytes(32)
        assert forms.short_tracker(digest) == by_arithmetic(digest)


def test_packed_counters_add_up_to_the_counts():
    import random
    sections = forms.build_form(DEFINITION, 7, 5)
    rng = random.Random(7)
    options = sections[0].options
    ballots = [{"10": {k: rng.choice(options) for k in ("1:0", "1:1", "2:0", "2:1") if rng.random() < 0.8}}
               for _ in range(300)]
    total = sum(forms.pack_marks(sections, b) for b in ballots)
    expected = {}
    for b in ballots:
        for row, option in b["10"].items():
            expected[(10, row, option)] = expected.get((10, row, option), 0) + 1
    assert forms.unpack_counts(sections, total) == expected
    assert forms.pack_marks([s for s in sections if s.type == "choose"], {}) is None
