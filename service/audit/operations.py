"""Signed checkpoints (docs/audit.md): at a round's close, at publication and on demand after the
close, the service signs the round's ballot count, the Merkle root of its trackers sorted by
value, its campaign chain's head and its tally's hash. Never during voting: a tree of the
trackers mixed so far would date each ballot to the checkpoint it first appears in."""
from __future__ import annotations

import hashlib

from flask import current_app

from ballots import audit, lifecycle, merkle, signed_note
from service.audit import keys
from service.audit import queries as q
from service.audit.errors import CheckpointTooEarly, NoSuchRound
from service.audit.schemas import MAX_OFFSET
from service.core.event_queries import insert_event


def _settings():
    return current_app.config["SETTINGS"]


def signer():
    """(key name, private key, verifier key) of this installation, the key registered."""
    settings = _settings()
    name, key = keys.key_name(settings.base_url), keys.signing_key(settings.var_dir)
    return name, key, signed_note.verifier_key(name, key.public_key())


def tracker_root(cur, round_id: int) -> tuple[int, bytes]:
    """(ballots, RFC 9162 root of their trackers sorted by value), streamed from the index."""
    count = [0]

    def leaves():
        for tracker in q.sorted_trackers(cur, round_id):
            count[0] += 1
            yield merkle.leaf_hash(tracker)
    root = merkle.root_of_hashes(leaves())
    return count[0], root


def origin(round_id: int) -> str:
    return f"{keys.key_name(_settings().base_url)}/rounds/{int(round_id)}"


def sign_round(cur, actor: str, campaign_id: int, round_id: int, kind: str) -> dict:
    """Sign, store and record a checkpoint of the round; the checkpoint row. The campaign's chain
    is locked first, so the head it names is the one the checkpoint's own entry follows."""
    name, key, verifier = signer()
    q.register_key(cur, verifier, None)  # the first key; a rotated one was registered by its rotation
    q.lock_chain(cur, campaign_id)
    head = q.chain_head(cur, campaign_id) or (-1, audit.GENESIS)
    ballots, root = tracker_root(cur, round_id)
    tally = hashlib.sha256(audit.canonical_tally(round_id, q.count_records(cur, round_id))).digest()
    number = q.next_checkpoint_number(cur, round_id)
    checkpoint = audit.Checkpoint(origin(round_id), ballots, root, campaign_id, head[0], head[1], tally, kind, number)
    body = signed_note.checkpoint_body(checkpoint.origin, ballots, root, audit.checkpoint_extensions(checkpoint))
    note = signed_note.sign(body, name, key)
    q.insert_checkpoint(cur, round_id, number, kind, note)
    insert_event(cur, actor, "checkpoint.signed", campaign_id,
                 {"round_id": round_id, "number": number, "kind": kind, "ballots": ballots,
                  "note_sha256": hashlib.sha256(note.encode("utf-8")).hexdigest()})
    return {"round_id": round_id, "number": number, "kind": kind, "ballots": ballots, "root": root.hex(),
            "note": note}


def sign_campaign(cur, actor: str, campaign_id: int, kind: str) -> list[dict]:
    """A checkpoint of each round of the campaign (the close, publication)."""
    return [sign_round(cur, actor, campaign_id, round_id, kind) for round_id in _round_ids(cur, campaign_id)]


def _round_ids(cur, campaign_id):
    from service.campaigns import operations as camps
    return [r["id"] for r in camps.definition(cur, campaign_id)["rounds"]]


def on_demand(cur, actor: str, campaign_id: int, round_id: int) -> dict:
    """A checkpoint asked for (an auditor, an organiser), once voting has closed."""
    from service.campaigns import operations as camps
    campaign = camps.get_campaign(cur, campaign_id, for_share=True)
    if not lifecycle.allows("results", campaign["state"]):
        raise CheckpointTooEarly(details={"state": campaign["state"]})
    if round_id not in _round_ids(cur, campaign_id):
        raise NoSuchRound()
    return sign_round(cur, actor, campaign_id, round_id, "demand")


def round_checkpoints(cur, round_id: int) -> list[dict]:
    return q.checkpoints(cur, round_id)


def signing_keys(cur) -> list[dict]:
    return q.signing_keys(cur)


def _sign_at_close(cur, campaign_id) -> None:
    """In the closing transaction, after the last mix and once the close is recorded: the hand-outs
    counted, then each round's checkpoint (whose chain head covers the close and that count)."""
    handed = q.handouts_per_round(cur, campaign_id)
    insert_event(cur, "system", "handouts.counted", campaign_id,
                 {"rounds": [[r, handed.get(r, 0)] for r in _round_ids(cur, campaign_id)]})
    sign_campaign(cur, "system", campaign_id, "close")


def _effects():
    from service.voting.operations import Effect
    return {"checkpoints_signed": Effect(recorded=_sign_at_close)}


EFFECTS = _effects()


def log_filters(args) -> dict | None:
    """The audit log's filters from a query string; None when one does not read."""
    import datetime as dt
    try:
        f = {"campaign_id": int(args["campaign_id"]) if args.get("campaign_id") else None,
             "type": args.get("type") or None, "actor": args.get("actor") or None,
             "since": dt.date.fromisoformat(args["since"]) if args.get("since") else None,
             "until": dt.date.fromisoformat(args["until"]) if args.get("until") else None,
             "limit": int(args.get("limit", 200)), "offset": int(args.get("offset", 0))}
    except ValueError:
        return None
    return f if 1 <= f["limit"] <= 1000 and 0 <= f["offset"] <= MAX_OFFSET else None


def log(cur, filters: dict) -> list[dict]:
    """The entries, each with its words (what the pages show) beside its code."""
    from service.web.messages import event_text
    rows = q.log(cur, filters)
    return [{**r, "created_at": r["created_at"].isoformat(), "text": event_text(r)} for r in rows]


def closed_round(cur, campaign_id: int, round_id: int) -> None:
    """NotClosed before the close (a bundle is of a counted round), NoSuchRound for another's."""
    from service.campaigns import operations as camps
    campaign = camps.get_campaign(cur, campaign_id)
    if not lifecycle.allows("results", campaign["state"]):
        from service.results.errors import NotClosed
        raise NotClosed(details={"state": campaign["state"]})
    if round_id not in _round_ids(cur, campaign_id):
        raise NoSuchRound()


def verify_online(campaign_id: int, round_id: int) -> dict:
    """The offline verifier, run on a bundle of the round made now from the live database (in a
    temporary file: memory does not grow with the ballots), trusting the signing key on disk
    rather than the keys the database lists. Its report: verdict and steps."""
    import tempfile

    from ballots import verify
    from service.audit import bundle
    from service.core import db
    with tempfile.TemporaryFile() as f:
        with db.transaction() as cur:
            q.snapshot(cur)
            closed_round(cur, campaign_id, round_id)
            for chunk in bundle.stream(cur, campaign_id, round_id):
                f.write(chunk)
        f.seek(0)
        return verify.report(verify.verify(f, trusted_key=signer()[2]))


KIND_WORDS = {"close": "投票结束时", "publish": "公示时", "demand": "按需签署"}


def verification_lines(cur, round_ids) -> list[str]:
    """What a printed report carries to be checked against (docs/audit.md): the service's public
    key, where it is served, and each round's signed checkpoints."""
    _name, _key, current = signer()
    keys = [k["verifier_key"] for k in q.signing_keys(cur)] or [current]
    lines = [f"服务签名公钥（{_settings().base_url}/audit/key）：{k}" for k in keys]
    for round_id in round_ids:
        for c in q.checkpoints(cur, round_id):
            lines += [f"轮次 {round_id} 检查点 {c['number']}（{KIND_WORDS.get(c['kind'], c['kind'])}）："]
            lines += c["note"].rstrip("\n").split("\n")
    return lines


def inclusion(cur, round_id: int, tracker: bytes) -> dict | None:
    """A closed round's receipt in its signed tree: the RFC 9162 inclusion proof of `tracker`
    against the root of the round's latest checkpoint, checked here too; None when the round has
    no checkpoint or the tracker is not in it. (Reads every tracker of the round: 32 MB and about
    a second for a million.)"""
    notes = q.checkpoints(cur, round_id)
    if not notes:
        return None
    checkpoint = signed_note.parse_checkpoint(notes[-1]["note"].rsplit("\n\n", 1)[0] + "\n")
    trackers = list(q.sorted_trackers(cur, round_id))
    try:
        index = trackers.index(bytes(tracker))
    except ValueError:
        return None
    proof = merkle.inclusion_proof(trackers, index)
    if not merkle.verify_inclusion(trackers[index], index, len(trackers), proof, checkpoint.root_hash):
        return None
    return {"index": index, "size": len(trackers), "proof": [p.hex() for p in proof],
            "root": checkpoint.root_hash.hex(), "number": notes[-1]["number"], "note": notes[-1]["note"]}
