"""The audit log's hash chains, checked (docs/audit.md; written by migrations/0020_audit_log.sql's
audit_append). A chain is a campaign's (chain = its id) or the service's (chain = 0); its
entries, from height 0 up, are JSON objects stored as the text that was hashed:

    {"actor":…,"chain":…,"height":…,"payload":"<SHA-256 of payload, hex>","prev":"<hex>",
     "time":"YYYY-MM-DDTHH:MM:SSZ","type":…}

keys in code-point order, no spaces, strings as JSON writes them without ASCII escapes. An
entry's hash is the SHA-256 of its text; `prev` is the hash of the entry before it (32 zero
bytes at height 0), so changing, removing, inserting or reordering any entry breaks every link
after it. The payload (the event's details, JSON) is committed by its own hash.

Pure: no database, no web framework. The offline verifier and the service's online check both
run `check_chain` over the entries in height order.
"""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass

GENESIS = bytes(32)
KEYS = ("actor", "chain", "height", "payload", "prev", "time", "type")
_HEX64 = re.compile(r"[0-9a-f]{64}")
_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")


@dataclass(frozen=True)
class Entry:
    """One stored entry: the hashed text and its payload's text, as the database holds them."""
    text: str
    payload: str


@dataclass(frozen=True)
class Problem:
    """What is wrong with a chain, at which height (None: the chain as a whole)."""
    height: int | None
    what: str

    def __str__(self) -> str:
        return self.what if self.height is None else f"entry {self.height}: {self.what}"


def entry_hash(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8")).digest()


def canonical_entry(fields: dict) -> str:
    """The text audit_append writes for these fields (what a well-formed entry must be, exactly)."""
    return json.dumps(fields, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def check_chain(chain: int, entries: list[Entry], head: bytes | None = None) -> list[Problem]:
    """Every problem of a chain given in height order: a link, height, payload hash or form that
    is not what audit_append writes. `head`, when known (a signed checkpoint's chain head), must be
    the last entry's hash: entries removed from the end show only that way. [] when it holds."""
    problems, prev = [], GENESIS
    for height, entry in enumerate(entries):
        fields, why = _fields(entry.text)
        if fields is None:
            problems.append(Problem(height, why))
            prev = entry_hash(entry.text)
            continue
        problems += [Problem(height, what) for what in _entry_problems(chain, height, prev, fields, entry)]
        prev = entry_hash(entry.text)
    if head is not None and prev != head:
        problems.append(Problem(None, f"the chain ends at {prev.hex()[:16]}…, not at the head {head.hex()[:16]}… "
                                      f"the checkpoint signed ({len(entries)} entries here)"))
    return problems


def _fields(text: str) -> tuple[dict | None, str]:
    try:
        fields = json.loads(text)
    except ValueError:
        return None, "not JSON"
    if not isinstance(fields, dict) or tuple(sorted(fields)) != KEYS:
        return None, f"its fields are not {', '.join(KEYS)}"
    return fields, ""


def _entry_problems(chain: int, height: int, prev: bytes, fields: dict, entry: Entry) -> list[str]:
    found = []
    if fields["chain"] != chain:
        found.append(f"names chain {fields['chain']!r}, not {chain}")
    if fields["height"] != height:
        found.append(f"says height {fields['height']!r}: an entry is missing, added or moved before it")
    if fields["prev"] != prev.hex():
        found.append("does not link to the entry before it (prev is not that entry's hash)")
    if not (isinstance(fields["payload"], str) and _HEX64.fullmatch(fields["payload"])):
        found.append("its payload hash is not 64 hex digits")
    elif hashlib.sha256(entry.payload.encode("utf-8")).hexdigest() != fields["payload"]:
        found.append("its payload is not the one it committed to")
    if not (isinstance(fields["time"], str) and _TIME.fullmatch(fields["time"])):
        found.append("its time is not YYYY-MM-DDTHH:MM:SSZ")
    if not (isinstance(fields["type"], str) and isinstance(fields["actor"], str)):
        found.append("its type or actor is not text")
    if canonical_entry(fields) != entry.text:
        found.append("its text is not in the canonical form audit_append writes")
    try:
        json.loads(entry.payload)
    except ValueError:
        found.append("its payload is not JSON")
    return found



def batch_digest(trackers) -> bytes:
    """What the chain records of a mixed batch: SHA-256 of its trackers (32 bytes each), sorted."""
    return hashlib.sha256(b"".join(sorted(bytes(t) for t in trackers))).digest()


def canonical_tally(round_id: int, records: dict) -> bytes:
    """The round's counts as a checkpoint commits to them: {group id: counts.to_record(…)} of
    every group with ballots, as canonical JSON (keys sorted, groups in id order)."""
    body = {"round_id": int(round_id), "groups": [[int(g), records[g]] for g in sorted(records, key=int)]}
    return json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


# --- checkpoints ------------------------------------------------------------------------------
# A round's checkpoint is a C2SP tlog-checkpoint (ballots.signed_note): the origin, the number of
# ballots, the Merkle root of their trackers sorted by value (ballots.merkle, a tracker a leaf),
# then these extension lines, in this order.

KINDS = ("close", "publish", "demand")


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    ballots: int
    root: bytes
    campaign_id: int
    chain_height: int  # the height of the chain's last entry it covers (-1: none)
    chain_head: bytes
    tally: bytes       # SHA-256 of canonical_tally
    kind: str
    number: int


def checkpoint_extensions(c: Checkpoint) -> list[str]:
    return [f"pingyi-campaign {c.campaign_id}", f"pingyi-chain {c.chain_height} {c.chain_head.hex()}",
            f"pingyi-tally {c.tally.hex()}", f"pingyi-kind {c.kind} {c.number}"]


_EXTENSION = re.compile(r"pingyi-campaign (\d+)\npingyi-chain (-1|\d+) ([0-9a-f]{64})\n"
                        r"pingyi-tally ([0-9a-f]{64})\npingyi-kind (close|publish|demand) (\d+)")


def read_checkpoint(origin: str, size: int, root: bytes, extensions) -> Checkpoint:
    """The checkpoint of a parsed note (signed_note.parse_checkpoint); ValueError if its
    extension lines are not the four above."""
    m = _EXTENSION.fullmatch("\n".join(extensions))
    if m is None:
        raise ValueError("a round's checkpoint names its campaign, chain, tally and kind, in that order")
    return Checkpoint(origin, size, root, int(m[1]), int(m[2]), bytes.fromhex(m[3]), bytes.fromhex(m[4]),
                      m[5], int(m[6]))
