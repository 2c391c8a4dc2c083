"""The cast's fast body check (service.voting.schemas.fast_cast_in) against the schema it stands in
for: whatever it accepts, CastIn accepts with the same result; whatever it declines, the schema
is asked (and may still accept: the fast path is allowed to be narrower, never wider)."""
from __future__ import annotations

import string

from hypothesis import given, settings
from hypothesis import strategies as st
from marshmallow import ValidationError

from service.voting.schemas import CastIn, fast_cast_in

SCHEMA = CastIn()
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZabcdefghjkmnpqrstvwxyz -\u3000\uff10\uff21\u2010\n\x00\x7f\t" + "é测"
token_text = st.one_of(st.text(alphabet=ALPHABET, min_size=20, max_size=90),
                       st.text(alphabet=string.ascii_uppercase[:20] + string.digits, min_size=28, max_size=28))
ballot_ids = st.one_of(st.uuids(version=4).map(str), st.uuids().map(str), st.uuids(version=4).map(lambda u: str(u).upper()),
                       st.uuids(version=4).map(lambda u: str(u) + "\n"), st.text(max_size=40))
json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=5),
                           lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3),
                           max_leaves=6)
bodies = st.fixed_dictionaries({}, optional={
    "token": st.one_of(token_text, json_values), "answers": st.one_of(st.dictionaries(st.text(max_size=4), json_values,
                                                                                      max_size=3), json_values),
    "ballot_id": st.one_of(ballot_ids, json_values), "extra": json_values})


def _schema(body):
    try:
        return SCHEMA.load(body)
    except ValidationError:
        return "refused"


@settings(max_examples=3000, deadline=None)
@given(bodies)
def test_fast_path_accepts_only_what_the_schema_accepts_and_loads_the_same(body):
    fast = fast_cast_in(body)
    if fast is not None:
        assert _schema(body) == fast


def test_fast_path_takes_the_bodies_a_phone_sends():
    token = "0001-K7QM-3XPA-9D2F-ZZ0W-4H8J-TE6C"
    for body in ({"token": token, "answers": {"1": {"2": "满意"}}},
                 {"token": token, "answers": {}, "ballot_id": "3f0c9a52-8a4e-4b51-9d62-7c1f2e4a9b10"}):
        assert fast_cast_in(body) == SCHEMA.load(body)
    for body in ({"token": token, "answers": {}, "ballot_id": None}, {"token": token, "answers": []},
                 {"token": token + "\x00", "answers": {}}, {"token": token, "answers": {}, "x": 1}, {"answers": {}}):
        assert fast_cast_in(body) is None and _schema(body) == "refused"
