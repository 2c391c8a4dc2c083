"""Tokens without database or Flask: a printed batch's tokens made on demand from a seed."""
from __future__ import annotations

import pytest

from ballots.tokens import Batch, Minter, TokenInvalid, normalise, round_of


def test_a_batch_makes_distinct_valid_tokens_on_demand_and_forgets_them():
    minter = Minter(b"k" * 32)
    batch = minter.batch(41, 2000)
    tokens = list(batch)
    assert len(tokens) == len(batch) == 2000 and len(set(tokens)) == 2000
    assert all(minter.verify(t) == (t, 41) and round_of(t) == 41 for t in tokens[:50])
    assert batch[7] == tokens[7] and list(batch) == tokens  # the same token each time it is made
    with pytest.raises(IndexError):
        batch[2000]
    other = minter.batch(41, 2000)  # a new seed: nothing in common with the first batch
    assert not set(other) & set(tokens)
    batch.clear()
    assert len(batch) == 0 and list(batch) == []
    with pytest.raises(IndexError):
        batch[0]


def test_the_seed_decides_and_a_wrong_key_refuses():
    a, b = Batch(Minter(b"k" * 32), 3, 5, seed=b"s" * 32), Batch(Minter(b"k" * 32), 3, 5, seed=b"t" * 32)
    assert list(a) != list(b)
    with pytest.raises(TokenInvalid):
        Minter(b"j" * 32).verify(a[0])
    with pytest.raises(ValueError):
        Batch(Minter(b"k" * 32), 0, 5)  # a round id a token cannot carry fails before any printing


def test_full_width_typing_is_understood():
    token = Minter(b"k" * 32).mint(1)
    wide = "".join(chr(ord(ch) + 0xFEE0) for ch in token)
    assert normalise(wide[:4] + "\u3000" + wide[4:8] + "\u2013" + wide[8:]) == token
