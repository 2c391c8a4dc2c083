"""Known-answer vectors, fixed here and checked once against independent tools (sha256sum and
openssl's HMAC, 2026-12-02), so that a change to how a token, a MAC or a receipt is made cannot
pass unnoticed: printed slips and receipts already in voters' hands depend on these bytes.

    printf '%s' 'pingyi/ballot-token-mac/v1' | openssl dgst -sha256 -hmac 'correct horse battery staple'
    printf '%s' '0007000G40R40M30E209' | openssl dgst -sha256 -mac HMAC -macopt hexkey:<the key>
    printf '%s' '<the canonical ballot>' | sha256sum
    { printf 'pingyi/key-id/v1\0'; printf '%s' <the key> | xxd -r -p; } | sha256sum   # its first 16 hex digits
"""
from __future__ import annotations

import pytest

from ballots import forms
from ballots import tokens as tk

SECRET = "correct horse battery staple"
MAC_KEY = "0173fc6adc2a0acf5e0cec5a18d3c331cdab15f9ae943be317f282cfc5cde8c6"
RANDOM = bytes(range(10))  # 00 01 02 … 09: the token's 80 random bits
TOKEN = "0007000G40R40M30E209338X1RRA"  # round 7 | random | MAC (first 40 bits of the HMAC, 18d1d0e30a)
TOKEN_HASH = "cd6c8d1f237a0bfaa5adceb0381be411f9394a94b6d7c54d6ff8b2a495debe61"

BALLOT_ID = "3f2a0c1e-0000-4000-8000-00000000abcd"
ANSWERS = {"12": {"r1": "满意"}, "13": ["5", "9"], "14": "意见：好"}
CANONICAL = ('{"answers":{"12":{"r1":"满意"},"13":["5","9"],"14":"意见：好"},"group_id":3,'
             '"id":"3f2a0c1e-0000-4000-8000-00000000abcd","round_id":7}').encode("utf-8")
TRACKER = "b954911f24752867e453f0e0900a3575b59511f4806b568d5a507af1996c490f"
SHORT_TRACKER = "Q5A9-27S4-EMM6-FS2K"


def test_the_ballot_mac_key_derived_from_the_secret():
    assert tk.derive_key(SECRET, "ballot-token-mac/v1").hex() == MAC_KEY


def test_the_key_id_a_batch_records():
    """A change here would make every existing batch look minted under another SECRET_KEY."""
    from service.core.keys import key_id
    assert key_id(SECRET) == "6b1583718dd62ae6"


def test_a_token_its_mac_and_its_stored_hash():
    minter = tk.Minter(bytes.fromhex(MAC_KEY))
    assert minter.mint(7, RANDOM) == TOKEN
    assert tk.grouped(TOKEN) == "0007-000G-40R4-0M30-E209-338X-1RRA"
    assert tk.token_hash(TOKEN).hex() == TOKEN_HASH
    assert minter.verify("0oo7-ooog-40r4-om30-e209-338x-1rra") == (TOKEN, 7)  # as a voter may type it


@pytest.mark.parametrize("position", range(20, 28))
def test_a_token_with_any_mac_character_changed_is_refused(position):
    minter = tk.Minter(bytes.fromhex(MAC_KEY))
    wrong = TOKEN[:position] + ("0" if TOKEN[position] != "0" else "1") + TOKEN[position + 1:]
    with pytest.raises(tk.TokenInvalid):
        minter.verify(wrong)


def test_the_canonical_ballot_and_its_tracker():
    ballot = {"id": BALLOT_ID, "round_id": 7, "group_id": 3, "answers": ANSWERS}
    assert forms.canonical(ballot) == CANONICAL
    digest = forms.tracker(BALLOT_ID, 7, 3, ANSWERS)
    assert digest.hex() == TRACKER
    assert forms.short_tracker(digest) == SHORT_TRACKER
