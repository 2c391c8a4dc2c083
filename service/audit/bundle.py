"""A round's auditor bundle (ballots/bundle.py names its files), written as a stream: the zip's
bytes are handed on as each file is written, the ballots read through a named cursor, so memory
does not grow with the ballots. Everything is read in one REPEATABLE READ snapshot."""
from __future__ import annotations

import hashlib
import io
import json
import zipfile

from ballots import bundle as fmt
from service.audit import operations as ops
from service.audit import queries as q


class _Sink:
    """The file zipfile writes to: it keeps what was written until it is taken (no seek, no tell:
    zipfile then writes data descriptors and counts the offsets itself)."""

    def __init__(self):
        self.chunks = []

    def write(self, data) -> int:
        self.chunks.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        data, self.chunks = b"".join(self.chunks), []
        return data


class _Writer:
    def __init__(self):
        self.sink = _Sink()
        self.zip = zipfile.ZipFile(self.sink, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6)
        self.files = {}

    def lines(self, name: str, lines):
        """Write a file line by line; yield the zip's bytes as they come."""
        digest = hashlib.sha256()
        with self.zip.open(name, "w", force_zip64=True) as f:
            for line in lines:
                data = line.encode("utf-8") + b"\n"
                digest.update(data)
                f.write(data)
                if len(self.sink.chunks) > 64:
                    yield self.sink.take()
        self.files[name] = digest.hexdigest()
        yield self.sink.take()

    def whole(self, name: str, data: bytes):
        self.files[name] = hashlib.sha256(data).hexdigest()
        self.zip.writestr(name, data)
        yield self.sink.take()

    def finish(self, manifest: dict):
        self.zip.writestr(fmt.MANIFEST, json.dumps({**manifest, "files": self.files}, ensure_ascii=False, indent=1))
        self.zip.close()
        yield self.sink.take()


def _ballot_lines(cur, round_id):
    for ballot_id, group_id, answers, tracker, source in q.sorted_ballots(cur, round_id):
        yield fmt.dumps({"answers": answers, "group_id": group_id, "id": ballot_id, "round_id": round_id,
                         "source": source, "tracker": tracker.hex()})


def _chain_lines(cur, campaign_id):
    for entry, payload in q.chain_entries(cur, campaign_id):
        yield fmt.dumps({"entry": entry, "payload": payload})


def stream(cur, campaign_id: int, round_id: int):
    """The bundle's bytes, chunk by chunk. `cur` is in a REPEATABLE READ snapshot (q.snapshot)."""
    from service.campaigns import operations as camps
    from service.results import operations as results
    definition = camps.definition(cur, campaign_id)
    result = results.round_results(cur, campaign_id, round_id)
    w = _Writer()
    yield from w.whole("definition.json", fmt.dumps(definition_json(definition)).encode("utf-8"))
    yield from w.lines("ballots.jsonl", _ballot_lines(cur, round_id))
    tally = {"counts": json.loads(_canonical_counts(cur, round_id)), "issued": results.issued(cur, round_id),
             "results": json.loads(json.dumps(result, default=str))}
    yield from w.whole("tally.json", fmt.dumps(tally).encode("utf-8"))
    yield from w.whole("tally.csv", results.results_csv([result]))
    yield from w.lines("audit-chain.jsonl", _chain_lines(cur, campaign_id))
    for c in q.checkpoints(cur, round_id):
        yield from w.whole(fmt.checkpoint_name(c["number"], c["kind"]), c["note"].encode("utf-8"))
    keys = q.signing_keys(cur)
    yield from w.whole("keys/audit-keys.txt", "".join(k["verifier_key"] + "\n" for k in keys).encode("utf-8"))
    for i, k in enumerate(keys[1:], start=1):
        yield from w.whole(f"keys/rotation-{i}.note", (k["announcement"] or "").encode("utf-8"))
    yield from w.whole("report.pdf", _report(cur, definition, result))
    yield from w.finish({"format": fmt.FORMAT, "campaign_id": campaign_id, "round_id": round_id,
                         "origin": ops.origin(round_id)})


def definition_json(definition: dict) -> dict:
    """The definition as JSON (dates and times as ISO text)."""
    return json.loads(json.dumps(definition, default=str))


def _canonical_counts(cur, round_id) -> bytes:
    from ballots.audit import canonical_tally
    return canonical_tally(round_id, q.count_records(cur, round_id))


def _report(cur, definition, result) -> bytes:
    """The results report, its last page the key and the checkpoints a reader checks it against."""
    from ballots.report import scales_of, write_report
    buf = io.BytesIO()
    write_report(buf, definition["title"], [result], "审计包", [], scales=scales_of(definition),
                 verification=ops.verification_lines(cur, [result["round_id"]]),
                 checkpoints=[c["note"] for c in q.checkpoints(cur, result["round_id"])])
    return buf.getvalue()
