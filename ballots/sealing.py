"""Sealed ballots (docs/voting.md): a cast stores its ballot encrypted under a key of its round
that is never in the database, padded to one length for the whole round, so that neither the
row nor its size says anything of what it holds. The mixer opens sealed ballots only in crowds.

    sealed = nonce (12 bytes) ‖ AES-256-GCM(key, nonce, length (4 bytes) ‖ ballot ‖ zeros,
                                            aad = "pingyi/sealed-ballot/v1/<round>/<group>")

The associated data binds a sealed ballot to the round and voter group its row names: a row
moved to another group no longer opens. The ballot is the canonical JSON that the tracker hashes
(forms.canonical), so opening it gives back the voter's receipt too.
"""
from __future__ import annotations

import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from .forms import FormSection, canonical

KEY_BYTES = 32
NONCE_BYTES = 12
_LENGTH_BYTES = 4
_TAG_BYTES = 16
# The longest code point in canonical JSON: characters outside the BMP take four bytes in UTF-8;
# the escapes a ballot can hold (\" \\ \t \n) take two, and other control characters are refused.
_WIDEST = "\U00020000"
# The longest a number can be written (repr of a float): "-2.2250738585072014e-308".
_LONGEST_NUMBER = -2.2250738585072014e-308
_LONGEST_UUID = "00000000-0000-4000-8000-000000000000"


class SealBroken(Exception):
    """A sealed ballot that does not open with this key, round and group (or was tampered with)."""


def new_key() -> bytes:
    return AESGCM.generate_key(bit_length=KEY_BYTES * 8)


def _aad(round_id: int, group_id: int) -> bytes:
    return f"pingyi/sealed-ballot/v1/{round_id}/{group_id}".encode("ascii")


def sealed_size(size: int) -> int:
    """The bytes of every sealed ballot of a round whose ballots are padded to `size`."""
    return NONCE_BYTES + _LENGTH_BYTES + size + _TAG_BYTES


def seal(key: bytes, round_id: int, group_id: int, ballot: bytes, size: int) -> bytes:
    """The ballot padded to `size` bytes and encrypted; ValueError if it is longer than that."""
    if len(ballot) > size:
        raise ValueError(f"a ballot of {len(ballot)} bytes does not fit the round's {size}")
    padded = len(ballot).to_bytes(_LENGTH_BYTES, "big") + ballot + bytes(size - len(ballot))
    nonce = os.urandom(NONCE_BYTES)
    return nonce + AESGCM(key).encrypt(nonce, padded, _aad(round_id, group_id))


def open_sealed(key: bytes, round_id: int, group_id: int, sealed: bytes) -> bytes:
    """The ballot inside, or SealBroken."""
    return opener(key, round_id, group_id)(sealed)


def opener(key: bytes, round_id: int, group_id: int):
    """open_sealed for one round and group, the cipher built once (the mixer opens a batch)."""
    cipher, aad, zeros = AESGCM(key), _aad(round_id, group_id), [b""]

    def unseal(sealed: bytes) -> bytes:
        try:
            padded = cipher.decrypt(sealed[:NONCE_BYTES], memoryview(sealed)[NONCE_BYTES:], aad)
        except (InvalidTag, ValueError):
            raise SealBroken("the sealed ballot does not open with this key, round and group") from None
        end = _LENGTH_BYTES + int.from_bytes(padded[:_LENGTH_BYTES], "big")
        if len(zeros[0]) < len(padded):  # the zeros sealing pads with, made once a round's length
            zeros[0] = bytes(len(padded))
        if end > len(padded) or not padded.endswith(memoryview(zeros[0])[:len(padded) - end]):
            raise SealBroken("the sealed ballot's padding is not what sealing writes")
        return padded[_LENGTH_BYTES:end]
    return unseal


def _widest_answer(sec: FormSection):
    """An answer to the section whose canonical JSON is at least as long as any valid one."""
    if sec.type in ("rating", "approve"):
        longest = max(sec.options, key=lambda o: len(canonical(o)), default="")
        return {row.key: longest for row in sec.rows}
    if sec.type == "score":
        # A float is at most 24 characters; an integer as long as the range allows, with its sign.
        bound = max(abs(float(sec.config.get("min", 0))), abs(float(sec.config.get("max", 100))))
        digits = len(str(int(bound))) + 1 if bound < 1e300 else 302
        widest = _LONGEST_NUMBER if digits <= 24 else -int("9" * (digits - 1))
        return {row.key: widest for row in sec.rows}
    if sec.type == "text":
        return _WIDEST * int(sec.config.get("max_length", 500))
    if sec.type == "choose":
        n = int(sec.config.get("max_choices", 1))
        ids = sorted((row.subject_id for row in sec.rows), key=lambda i: len(str(i)), reverse=True)[:n]
        out = {"chosen": ids}
        if sec.config.get("write_ins"):
            out["write_ins"] = [_WIDEST * 50] * n  # names of at most 50 characters (forms._choose)
        return out
    raise ValueError(f"unknown section type {sec.type!r}")


_PAPER_MARK = b',"source":"paper"'


def ballot_size(sections: list[FormSection], round_id: int, group_ids) -> int:
    """An upper bound of the canonical ballot (id, round, group, answers) of this form: every
    section answered at its widest, the widest group id. What every ballot of the round is padded
    to, so that a sealed ballot's length says nothing of its answers."""
    widest_group = max((int(g) for g in group_ids), key=lambda g: len(str(g)), default=0)
    widest = {"id": _LONGEST_UUID, "round_id": round_id, "group_id": widest_group,
              "answers": {str(sec.id): _widest_answer(sec) for sec in sections}}
    return len(canonical(widest)) + len(_PAPER_MARK)  # a paper ballot says so (forms.stored_ballot)
