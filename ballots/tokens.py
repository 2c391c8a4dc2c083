"""Ballot tokens: bearer credentials printed as QR codes and as a typable code.

A token is 28 characters of Crockford base32 (0-9 A-Z without I L O U), all of them in
QR's alphanumeric set so that the whole ballot URL encodes compactly:

    RRRR  the round id (20 bits)              — which ballot this is, with no lookup
    16 ×  80 random bits from `secrets`       — the secret
    8 ×   a 40-bit HMAC-SHA256 over the rest  — a forged or mistyped token is refused
                                                before any database query

The database stores only SHA-256 of the token. The typable form groups it in fours:
`00A1-K7QM-3XPA-9D2F-ZZ0W-4H8J-TE6C`; typing accepts lower case, spaces and dashes,
and reads I and L as 1 and O as 0.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
import unicodedata

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_VALUE = {c: i for i, c in enumerate(ALPHABET)}
_TYPING = str.maketrans({"I": "1", "L": "1", "O": "0"})
_CANONICAL = frozenset(ALPHABET)
ROUND_CHARS, RANDOM_CHARS, MAC_CHARS = 4, 16, 8
LENGTH = ROUND_CHARS + RANDOM_CHARS + MAC_CHARS
RANDOM_BYTES = RANDOM_CHARS * 5 // 8  # 10 bytes = 80 bits
MAX_ROUND_ID = 32 ** ROUND_CHARS - 1


class TokenInvalid(Exception):
    """Not a token this service issued (forged, mistyped, or the wrong shape)."""


def derive_key(secret: str | bytes, purpose: str) -> bytes:
    """One key per purpose from the service secret, so no two uses share a key."""
    if isinstance(secret, str):
        secret = secret.encode("utf-8")
    return hmac.digest(secret, b"pingyi/" + purpose.encode("ascii"), "sha256")


def _b32(value: int, chars: int) -> str:
    out = []
    for _ in range(chars):
        out.append(ALPHABET[value & 31])
        value >>= 5
    return "".join(reversed(out))


def _int(text: str) -> int:
    value = 0
    for c in text:
        value = (value << 5) | _VALUE[c]
    return value


class Minter:
    """Makes and checks tokens with one MAC key (derived from the service secret)."""

    def __init__(self, mac_key: bytes):
        self._key = mac_key
        self._sibling_key = hmac.digest(mac_key, b"pingyi/slip-rounds", "sha256")

    def _mac(self, body: str) -> str:
        digest = hmac.digest(self._key, body.encode("ascii"), "sha256")
        return _b32(int.from_bytes(digest[:5], "big"), MAC_CHARS)

    def mint(self, round_id: int, random: bytes | None = None) -> str:
        if not 0 < round_id <= MAX_ROUND_ID:
            raise ValueError(f"round id out of range for a token: {round_id}")
        random = secrets.token_bytes(RANDOM_BYTES) if random is None else random
        if len(random) != RANDOM_BYTES:
            raise ValueError("a token needs exactly 80 random bits")
        body = _b32(round_id, ROUND_CHARS) + _b32(int.from_bytes(random, "big"), RANDOM_CHARS)
        return body + self._mac(body)

    def sibling(self, token: str, round_id: int) -> str:
        """The token of another round on the same slip: a slip that covers several rounds of a
        campaign carries one code, its first round's, and each further round's token is derived
        from that whole code under a key of its own (so only someone holding the slip can work
        it out, and a stored hash says nothing of its slip's other hashes)."""
        if round_id == round_of(token):
            return token
        random = hmac.digest(self._sibling_key, f"{token}:{round_id}".encode("ascii"), "sha256")
        return self.mint(round_id, random[:RANDOM_BYTES])

    def mint_many(self, round_id: int, n: int) -> list[str]:
        return [self.mint(round_id) for _ in range(n)]

    def batch(self, round_id: int, n: int) -> "Batch":
        return Batch(self, round_id, n)

    def verify(self, text: str) -> tuple[str, int]:
        """Return (the canonical token, its round id) or raise TokenInvalid. Touches no database."""
        token = normalise(text)
        body, mac = token[:-MAC_CHARS], token[-MAC_CHARS:]
        if not hmac.compare_digest(self._mac(body), mac):
            raise TokenInvalid("the code does not check out")
        round_id = _int(body[:ROUND_CHARS])
        if round_id == 0:
            raise TokenInvalid("the code does not check out")
        return token, round_id


def normalise(text: str) -> str:
    """The canonical form of a scanned or typed token; TokenInvalid for the wrong shape."""
    return normalise_chars(text, LENGTH)


def normalise_chars(text: str, length: int) -> str:
    """Typed text in the token alphabet: case, spaces and dashes ignored, I/L read as 1, O as 0."""
    if not isinstance(text, str) or len(text) > 3 * length:
        raise TokenInvalid("not a ballot code")
    if len(text) == length and _CANONICAL.issuperset(text):
        return text  # as scanned: nothing to fold
    # NFKC turns full-width letters and digits (a Chinese input method's) into ASCII.
    folded = unicodedata.normalize("NFKC", text)
    folded = "".join(c for c in folded if unicodedata.category(c) not in ("Pd", "Zs", "Cc", "Cf"))
    chars = folded.upper().translate(_TYPING)
    if len(chars) != length or any(c not in _VALUE for c in chars):
        raise TokenInvalid("not a ballot code")
    return chars


def round_of(token: str) -> int:
    """The round id a canonical (already verified) token carries."""
    return _int(token[:ROUND_CHARS])


def grouped(token: str) -> str:
    return "-".join(token[i:i + 4] for i in range(0, len(token), 4))


def token_hash(token: str) -> bytes:
    """What the database stores: SHA-256 of the canonical token (80 random bits resist guessing)."""
    return hashlib.sha256(token.encode("ascii")).digest()


def pooled_random(pool_key: bytes, seed: bytes) -> bytes:
    """The random part of a hand-out token, re-derived from its pool seed when it is handed out."""
    return hmac.digest(pool_key, seed, "sha256")[:RANDOM_BYTES]


def reference_hash(ref_key: bytes, round_id: int, reference: str) -> bytes:
    """A portal's voter reference, keyed so that a list of student numbers cannot be tested."""
    return hmac.digest(ref_key, f"{round_id}:{reference}".encode("utf-8"), "sha256")


class Batch:
    """The tokens of one printed batch, made on demand: token i's 80 random bits are
    HMAC-SHA256(seed, i), and the 256-bit seed comes from `secrets` and lives only in this
    object, never stored. The hashes are stored in one pass and the slips printed in another
    without a list of N tokens in memory; clear() forgets every token at once."""

    def __init__(self, minter: Minter, round_id: int, n: int, seed: bytes | None = None):
        self._minter, self.round_id, self._n = minter, round_id, n
        self._seed = secrets.token_bytes(32) if seed is None else seed
        minter.mint(round_id, bytes(RANDOM_BYTES))  # a round id out of range fails here, not mid-print

    def __len__(self) -> int:
        return self._n

    def __getitem__(self, i: int) -> str:
        if not 0 <= i < self._n:
            raise IndexError(i)
        random = hmac.digest(self._seed, i.to_bytes(8, "big"), "sha256")[:RANDOM_BYTES]
        return self._minter.mint(self.round_id, random)

    def __iter__(self):
        return (self[i] for i in range(self._n))

    def clear(self) -> None:
        self._seed, self._n = b"", 0
