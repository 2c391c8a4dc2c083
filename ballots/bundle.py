"""The auditor bundle's format (docs/audit.md): one zip a round, every file named in its manifest
with its SHA-256. Written by service/audit/bundle.py, read by ballots/verify.py.

    manifest.json        {"format", "campaign_id", "round_id", "origin", "files": {name: sha256 hex}}
    definition.json      the campaign's definition (rounds, sections, subjects, groups, rules)
    ballots.jsonl        the round's anonymous ballots, one canonical JSON object a line, sorted
                         by tracker: {"answers", "group_id", "id", "round_id", "source", "tracker"}
    tally.json           {"counts": canonical tally (ballots.audit.canonical_tally), "issued":
                         {group: ballots in voters' hands}, "results": the round's results}
    tally.csv            the results as the CSV export gives them (for people; not verified)
    audit-chain.jsonl    the campaign's audit chain: {"entry", "payload"} a line, in height order
    checkpoints/NNN-<kind>.note   the round's signed checkpoints (C2SP signed notes)
    keys/audit-keys.txt  the service's verifier keys, oldest first
    keys/rotation-N.note each later key's announcement, signed by the key before it
    report.pdf           the results report with a verification page (for people; not verified)

Pure: no database, no web framework.
"""
from __future__ import annotations

import hashlib
import json
import zipfile
from collections.abc import Iterator

FORMAT = "pingyi-bundle/1"
MANIFEST = "manifest.json"
BALLOT_KEYS = ("answers", "group_id", "id", "round_id", "source", "tracker")


def dumps(obj) -> str:
    """The canonical JSON every bundle file is written in: keys sorted, no spaces, UTF-8."""
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


class Bundle:
    """A bundle opened for reading: files by name, ballots streamed line by line."""

    def __init__(self, path):
        self.zip = zipfile.ZipFile(path)
        self.names = set(self.zip.namelist())

    def read(self, name: str) -> bytes:
        return self.zip.read(name)

    def json(self, name: str):
        return json.loads(self.read(name).decode("utf-8"))

    def lines(self, name: str) -> Iterator[bytes]:
        with self.zip.open(name) as f:
            for line in f:
                yield line.rstrip(b"\n")

    def sha256(self, name: str) -> str:
        digest = hashlib.sha256()
        with self.zip.open(name) as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                digest.update(chunk)
        return digest.hexdigest()

    def checkpoint_notes(self) -> list[tuple[str, str]]:
        """(file name, note text) of the round's checkpoints, in their numbers' order."""
        names = sorted(n for n in self.names if n.startswith("checkpoints/") and n.endswith(".note"))
        return [(n, self.read(n).decode("utf-8")) for n in names]

    def rotations(self) -> list[str]:
        names = sorted((n for n in self.names if n.startswith("keys/rotation-") and n.endswith(".note")),
                       key=lambda n: int(n.removeprefix("keys/rotation-").removesuffix(".note") or 0))
        return [self.read(n).decode("utf-8") for n in names]

    def close(self) -> None:
        self.zip.close()


def checkpoint_name(number: int, kind: str) -> str:
    return f"checkpoints/{number:03d}-{kind}.note"
