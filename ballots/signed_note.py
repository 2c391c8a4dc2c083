"""Signed notes (C2SP signed-note, https://c2sp.org/signed-note) with Ed25519 keys, and the
checkpoint a transparency log signs in one (C2SP tlog-checkpoint): the text formats that
golang.org/x/mod/sumdb/note, the Go checksum database and CT's static logs and witnesses read.

    <text: UTF-8 lines, each ending in a newline>
    <a blank line>
    — <key name> base64(key id (4 bytes) ‖ Ed25519 signature of the text (64 bytes))
    — <another key's name> …

    key id       = SHA-256(key name ‖ "\\n" ‖ 0x01 ‖ public key)[:4]
    verifier key = <name>+<hex(key id)>+base64(0x01 ‖ public key)
    signer key   = PRIVATE+KEY+<name>+<hex(key id)>+base64(0x01 ‖ 32-byte seed)

A reader trusts the text only once a signature by a key it was given verifies. Signatures by
other keys are skipped, as the spec asks (a witness may add its own), but a signature by a known
key that fails makes the whole note refused: the note was altered or forged.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from .merkle import HASH_BYTES

ED25519 = b"\x01"  # the signature type byte signed-note assigns to Ed25519
KEY_BYTES = 32
_DASH = "\u2014 "  # em dash and space: the start of a signature line
# A verifier must accept 16 signatures; golang.org/x/mod/sumdb/note refuses more than 100.
MAX_SIGNATURES = 100
_CONTROL = re.compile("[\x00-\x09\x0b-\x1f]")  # ASCII control characters other than newline
_TREE_SIZE = re.compile("0|[1-9][0-9]*")


class NoteError(ValueError):
    """A note, key or checkpoint that cannot be used; the subclass says why."""


class MalformedNote(NoteError):
    """Not a signed note: bad UTF-8, a control character, no blank line before the signatures,
    a signature line that does not parse, or too many signatures."""


class UnknownKey(NoteError):
    """The note parses but no signature on it is by a key the reader was given."""


class BadSignature(NoteError):
    """A signature by a known key does not verify: the text (or the signature) was changed."""


class MalformedKey(NoteError):
    """A key name, verifier key or signer key that does not parse or whose key id is wrong."""


class MalformedCheckpoint(NoteError):
    """A checkpoint body without its origin, tree size and 32-byte root hash lines."""


@dataclass(frozen=True)
class VerifierKey:
    """A public key a reader trusts, with the name and id its signature lines carry."""
    name: str
    key_id: bytes
    public_key: Ed25519PublicKey


class Checkpoint(NamedTuple):
    """A log's tree head as its checkpoint states it: which log, how many records, their root."""
    origin: str
    size: int
    root_hash: bytes
    extensions: tuple[str, ...]


def _valid_name(name: str) -> bool:
    """Key names are non-empty, without Unicode spaces or plus signs (the key strings' separator)."""
    return bool(name) and "+" not in name and not any(c.isspace() for c in name) and _is_utf8(name)


def _is_utf8(text: str) -> bool:
    """False for a str holding lone surrogates, which have no UTF-8 encoding."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _unb64(text: str) -> bytes | None:
    """The bytes of canonical standard base64 (RFC 4648 section 4), or None."""
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None
    return raw if _b64(raw) == text else None


def key_id(name: str, public_key: bytes) -> bytes:
    """The 4-byte id of an Ed25519 key: SHA-256(name ‖ "\\n" ‖ 0x01 ‖ public key)[:4]."""
    return hashlib.sha256(name.encode("utf-8") + b"\n" + ED25519 + public_key).digest()[:4]


def _checked_name(name: str) -> str:
    if not _valid_name(name):
        raise MalformedKey(f"not a key name: {name!r}")
    return name


def verifier_key(name: str, public_key: Ed25519PublicKey) -> str:
    """The verifier key string a reader is given: <name>+<hex key id>+base64(0x01 ‖ key)."""
    raw = public_key.public_bytes_raw()
    return f"{_checked_name(name)}+{key_id(name, raw).hex()}+{_b64(ED25519 + raw)}"


def signer_key(name: str, private_key: Ed25519PrivateKey) -> str:
    """The signer key string, to be kept secret: PRIVATE+KEY+<name>+<hex key id>+base64(0x01 ‖ seed)."""
    public = private_key.public_key().public_bytes_raw()
    seed = private_key.private_bytes_raw()
    return f"PRIVATE+KEY+{_checked_name(name)}+{key_id(name, public).hex()}+{_b64(ED25519 + seed)}"


def _key_parts(name: str, hex_id: str, encoded: str) -> tuple[str, bytes, bytes]:
    """(name, key id, 32 key bytes) of a key string's last three parts, or MalformedKey."""
    raw = _unb64(encoded)
    if not _valid_name(name) or not re.fullmatch("[0-9a-f]{8}", hex_id) or raw is None:
        raise MalformedKey("a key is <name>+<8 lowercase hex digits>+<base64>")
    if raw[:1] != ED25519 or len(raw) != 1 + KEY_BYTES:
        raise MalformedKey(f"the key {name}+{hex_id} is not a 32-byte Ed25519 key (type 0x01)")
    return name, bytes.fromhex(hex_id), raw[1:]


def parse_verifier_key(text: str) -> VerifierKey:
    """The key of a verifier key string, or MalformedKey (its id is checked against its name and key)."""
    name, hex_id, encoded = (text.split("+", 2) + ["", ""])[:3]  # base64 has plus signs of its own
    name, kid, raw = _key_parts(name, hex_id, encoded)
    if key_id(name, raw) != kid:
        raise MalformedKey(f"the key id {hex_id} is not that of {name}'s key")
    return VerifierKey(name, kid, Ed25519PublicKey.from_public_bytes(raw))


def parse_signer_key(text: str) -> tuple[str, Ed25519PrivateKey]:
    """(name, private key) of a signer key string, or MalformedKey (its id must be that of the
    public key the seed gives)."""
    private, key, name, hex_id, encoded = (text.split("+", 4) + [""] * 4)[:5]
    if (private, key) != ("PRIVATE", "KEY"):
        raise MalformedKey("a signer key begins PRIVATE+KEY+")
    name, kid, seed = _key_parts(name, hex_id, encoded)
    private_key = Ed25519PrivateKey.from_private_bytes(seed)
    if key_id(name, private_key.public_key().public_bytes_raw()) != kid:
        raise MalformedKey(f"the key id {hex_id} is not that of {name}'s key")
    return name, private_key


def _check_text(text: str) -> None:
    """A note's text: UTF-8 without control characters but newlines, ending in a newline. It
    may hold blank lines: the signatures begin after the note's last one."""
    if not text.endswith("\n") or _CONTROL.search(text) or not _is_utf8(text):
        raise MalformedNote("a note's text is UTF-8 lines ending in a newline, without control characters")


def sign(text: str, name: str, private_key: Ed25519PrivateKey) -> str:
    """The signed note: the text, a blank line, and the signature line of the key `name`.
    Ed25519 is deterministic, so the same text and key always give the same note."""
    _check_text(text)
    raw_id = key_id(_checked_name(name), private_key.public_key().public_bytes_raw())
    signature = private_key.sign(text.encode("utf-8"))
    return f"{text}\n{_DASH}{name} {_b64(raw_id + signature)}\n"


def _parse_signature(line: str) -> tuple[str, bytes, bytes]:
    """(key name, key id, signature) of one signature line, or MalformedNote."""
    name, space, encoded = line.removeprefix(_DASH).partition(" ")
    raw = _unb64(encoded)
    if not line.startswith(_DASH) or not space or not _valid_name(name) or raw is None or len(raw) < 5:
        raise MalformedNote(f"not a signature line: {line!r}")
    return name, raw[:4], raw[4:]


def _split(note: str | bytes) -> tuple[str, list[tuple[str, bytes, bytes]]]:
    """The note's text and its parsed signatures, or MalformedNote."""
    if isinstance(note, bytes):
        try:
            note = note.decode("utf-8")
        except UnicodeDecodeError:
            raise MalformedNote("a note is UTF-8") from None
    if _CONTROL.search(note) or not _is_utf8(note):
        raise MalformedNote("a note is UTF-8 without control characters but newlines")
    split = note.rfind("\n\n")
    block = note[split + 2:]
    if split < 0 or not block.endswith("\n"):
        raise MalformedNote("a note ends in a blank line and signature lines, each ending in a newline")
    lines = block[:-1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise MalformedNote(f"more than {MAX_SIGNATURES} signatures")
    return note[:split + 1], [_parse_signature(line) for line in lines]


def _by_id(verifier_keys: Iterable[VerifierKey]) -> dict[tuple[str, bytes], VerifierKey]:
    """The keys by (name, key id); MalformedKey if two different keys share both."""
    known: dict[tuple[str, bytes], VerifierKey] = {}
    for key in verifier_keys:
        held = known.setdefault((key.name, key.key_id), key)
        if held.public_key.public_bytes_raw() != key.public_key.public_bytes_raw():
            raise MalformedKey(f"two keys named {key.name} share the id {key.key_id.hex()}")
    return known


def open_note(note: str | bytes, verifier_keys: Iterable[VerifierKey]) -> str:
    """The text of a signed note once a signature by one of `verifier_keys` verifies.

    MalformedNote if it is not a signed note, BadSignature if any signature by a known key fails,
    UnknownKey if none is by a known key."""
    text, signatures = _split(note)
    known = _by_id(verifier_keys)
    verified = False
    for name, kid, signature in signatures:
        key = known.get((name, kid))
        if key is None:
            continue
        try:
            key.public_key.verify(signature, text.encode("utf-8"))
        except InvalidSignature:
            raise BadSignature(f"the signature by {name}+{kid.hex()} does not verify") from None
        verified = True
    if not verified:
        raise UnknownKey("no signature on the note is by a known key")
    return text


def checkpoint_body(origin: str, size: int, root_hash: bytes, extensions: Sequence[str] = ()) -> str:
    """A checkpoint's note text: origin, tree size, base64 root hash and any extension lines,
    each ending in a newline. MalformedCheckpoint for what parse_checkpoint would refuse."""
    if isinstance(size, bool) or not isinstance(size, int) or not 0 <= size < 1 << 64:
        raise MalformedCheckpoint(f"a tree size is a whole number below 2^64, not {size!r}")
    if len(root_hash) != HASH_BYTES:
        raise MalformedCheckpoint("a root hash is 32 bytes")
    lines = [origin, str(size), _b64(root_hash), *extensions]
    if any(not line or "\n" in line or _CONTROL.search(line) for line in lines):
        raise MalformedCheckpoint("a checkpoint's lines are non-empty, without control characters")
    return "".join(f"{line}\n" for line in lines)


def parse_checkpoint(text: str) -> Checkpoint:
    """(origin, size, root hash, extension lines) of a checkpoint's note text (as open_note
    returns it), or MalformedCheckpoint."""
    lines = text.removesuffix("\n").split("\n")
    if not text.endswith("\n") or len(lines) < 3 or "" in lines or _CONTROL.search(text):
        raise MalformedCheckpoint("a checkpoint is at least three non-empty lines, each ending in a newline")
    origin, size, encoded, *extensions = lines
    root_hash = _unb64(encoded)
    if not _TREE_SIZE.fullmatch(size) or len(size) > 20 or int(size) >= 1 << 64:
        raise MalformedCheckpoint(f"not a tree size: {size!r}")
    if root_hash is None or len(root_hash) != HASH_BYTES:
        raise MalformedCheckpoint(f"not a base64 32-byte root hash: {encoded!r}")
    return Checkpoint(origin, int(size), root_hash, tuple(extensions))
