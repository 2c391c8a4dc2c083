"""The verifier's steps that read the record itself (ballots/verify.py runs them in order): the
manifest, the chain, the one pass over the ballots (tree, trackers, rules, recount), the tally,
and the optional checks of one receipt and of an older bundle."""
from __future__ import annotations

import hashlib
import json
from collections import defaultdict

from . import audit, forms, merkle
from .bundle import BALLOT_KEYS, FORMAT, MANIFEST, Bundle, dumps
from .counts import Counts, add_ballot, to_record
from .tally import tally


def manifest_step(ctx, step) -> None:
    try:
        manifest = ctx.bundle.json(MANIFEST)
        files = manifest["files"]
    except (KeyError, ValueError, TypeError) as exc:
        return step.fail(f"{MANIFEST} does not read: {exc}")
    if manifest.get("format") != FORMAT:
        step.fail(f"the format is {manifest.get('format')!r}, not {FORMAT}")
    for name, digest in sorted(files.items()):
        if name not in ctx.bundle.names:
            step.fail(f"{name} is listed but missing")
        elif ctx.bundle.sha256(name) != digest:
            step.fail(f"{name} is not the file the manifest names (its SHA-256 differs)")
    for name in sorted(ctx.bundle.names - set(files) - {MANIFEST}):
        step.fail(f"{name} is in the bundle but not in the manifest")
    ctx.manifest = manifest
    step.done()


def chain_step(ctx, step) -> None:
    """The campaign's chain checks; the batches it records of this round, counted per group."""
    if ctx.campaign_id is None:
        return step.done("the definition did not read")
    entries, payloads = [], {}
    try:
        for line in ctx.bundle.lines("audit-chain.jsonl"):
            row = json.loads(line)
            entries.append(audit.Entry(row["entry"], row["payload"]))
    except (KeyError, ValueError, TypeError) as exc:
        return step.fail(f"audit-chain.jsonl does not read: {exc}")
    for problem in audit.check_chain(ctx.campaign_id, entries):
        step.fail(str(problem))
    ctx.chain = entries
    for height, entry in enumerate(entries):
        try:
            fields, payload = json.loads(entry.text), json.loads(entry.payload)
        except ValueError:
            continue
        payloads[height] = (fields.get("type"), payload)
        if fields.get("type") == "ballots.mixed" and isinstance(payload, dict) and payload.get("round_id") == ctx.round_id:
            group = payload.get("group_id")
            ctx.mixed_per_group[group] = ctx.mixed_per_group.get(group, 0) + int(payload.get("count", 0))
    ctx.chain_payloads = payloads
    step.done()


def check_checkpoint_heads(ctx, step) -> None:
    """Each signed checkpoint's chain head is on the chain, and the chain records its signing."""
    chain = ctx.chain
    if chain is None:
        return
    hashes = [audit.entry_hash(e.text) for e in chain]
    for name, c in ctx.checkpoints:
        if c.chain_height >= len(hashes) or (c.chain_height >= 0 and hashes[c.chain_height] != c.chain_head):
            step.fail(f"{name}: the chain head it signed (entry {c.chain_height}) is not on this chain: "
                      "history was rewritten after it was signed")
        recorded = [h for h, (t, p) in ctx.chain_payloads.items() if t == "checkpoint.signed" and isinstance(p, dict)
                    and p.get("round_id") == ctx.round_id and p.get("number") == c.number]
        if not recorded:
            step.fail(f"{name}: the chain does not record its signing")


class Recount:
    """What one pass over ballots.jsonl gives: counts, leaf hashes folded into the root, per group."""

    def __init__(self):
        self.counts, self.n, self.per_group, self.last = Counts(), 0, defaultdict(int), b""


def ballot_pass(ctx, tree_step, tracker_step_, rules_step) -> Recount | None:
    if ctx.definition is None:
        for s in (tree_step, tracker_step_, rules_step):
            s.done("the definition did not read")
        return None
    recount, forms_by_group = Recount(), {}
    root = merkle.root_of_hashes(_leaves(ctx, recount, forms_by_group, tree_step, tracker_step_, rules_step))
    _compare_tree(ctx, recount, root, tree_step)
    for s in (tracker_step_, rules_step):
        s.done()
    return recount


def _leaves(ctx, recount, forms_by_group, tree_step, tracker_step_, rules_step):
    for number, line in enumerate(ctx.bundle.lines("ballots.jsonl"), start=1):
        try:
            b = json.loads(line)
            tracker = bytes.fromhex(b["tracker"])
            ok = tuple(sorted(b)) == BALLOT_KEYS and dumps(b).encode("utf-8") == line and len(tracker) == 32
        except (ValueError, KeyError, TypeError):
            tree_step.fail(f"ballot line {number}: does not read as a ballot")
            continue
        if not ok:
            tracker_step_.fail(f"ballot line {number}: not in the bundle's canonical form")
        if tracker < recount.last:
            tree_step.fail(f"ballot line {number}: not in tracker order")
        recount.last = tracker
        if b["round_id"] != ctx.round_id:
            rules_step.fail(f"ballot {b['tracker'][:16]}…: of round {b['round_id']}, not {ctx.round_id}")
        if forms.tracker(b["id"], b["round_id"], b["group_id"], b["answers"], b["source"]) != tracker:
            tracker_step_.fail(f"ballot {b['tracker'][:16]}… (line {number}): its content does not hash to its tracker")
        _check_rules(ctx, b, forms_by_group, rules_step)
        add_ballot(recount.counts, b["group_id"], b["answers"])
        recount.n += 1
        recount.per_group[b["group_id"]] += 1
        yield merkle.leaf_hash(tracker)


def _check_rules(ctx, b, forms_by_group, step) -> None:
    group = b["group_id"]
    if group not in forms_by_group:
        known = {g["id"] for g in ctx.definition["groups"]}
        forms_by_group[group] = forms.build_form(ctx.definition, ctx.round_id, group) if group in known else None
    sections = forms_by_group[group]
    if sections is None:
        return step.fail(f"ballot {b['tracker'][:16]}…: of group {group}, which the definition does not have")
    clean, problems = forms.validate(sections, b["answers"])
    if problems or clean != b["answers"]:
        why = "; ".join(f"{k}: {v}" for k, v in list(problems.by_section.items())[:3]) if problems else \
            "answers not as the rules normalise them"
        step.fail(f"ballot {b['tracker'][:16]}…: breaks the round's rules ({why})")


def _compare_tree(ctx, recount, root, step) -> None:
    closes = [(n, c) for n, c in ctx.checkpoints]
    if not closes:
        return step.done("no checkpoint signed by a known key to compare with")
    for name, c in closes:
        if c.ballots != recount.n:
            step.fail(f"{name}: signed {c.ballots} ballots; the bundle holds {recount.n}")
        elif c.root != root:
            step.fail(f"{name}: signed the tracker root {c.root.hex()[:16]}…; the bundle's trackers give "
                      f"{root.hex()[:16]}…: a ballot was changed, added or removed")
    for group in sorted(set(ctx.mixed_per_group) | set(recount.per_group), key=str):
        mixed, held = ctx.mixed_per_group.get(group, 0), recount.per_group.get(group, 0)
        if mixed != held:
            step.fail(f"group {group}: the chain records {mixed} ballots mixed, the bundle holds {held}")
    step.done()


def check_tally(ctx, recount, tally_step, hash_step) -> None:
    if recount is None:
        tally_step.done("the ballots were not read")
        return hash_step.done("the ballots were not read")
    try:
        published = ctx.bundle.json("tally.json")
        stored = {int(g): record for g, record in published["counts"]["groups"]}
    except (KeyError, ValueError, TypeError) as exc:
        tally_step.fail(f"tally.json does not read: {exc}")
        return hash_step.done("tally.json did not read")
    mine = {g: to_record(recount.counts, g) for g in sorted(recount.per_group)}
    for g in sorted(set(mine) | set(stored)):
        for key in sorted(set(mine.get(g, {})) | set(stored.get(g, {}))):
            if mine.get(g, {}).get(key) != stored.get(g, {}).get(key):
                tally_step.fail(f"group {g}, {key}: the recount gives {_short(mine.get(g, {}).get(key))}, "
                                f"the stored counts {_short(stored.get(g, {}).get(key))}")
    _compare_results(ctx, recount, published, tally_step)
    tally_step.done()
    digest = hashlib.sha256(audit.canonical_tally(ctx.round_id, mine)).digest()
    if not ctx.checkpoints:
        return hash_step.done("no checkpoint signed by a known key to compare with")
    for name, c in ctx.checkpoints:
        if c.tally != digest:
            hash_step.fail(f"{name}: signed the tally {c.tally.hex()[:16]}…; the recount hashes to {digest.hex()[:16]}…")
    hash_step.done()


def _compare_results(ctx, recount, published, step) -> None:
    sections = forms.build_form(ctx.definition, ctx.round_id, None)
    issued = {int(g): n for g, n in published.get("issued", {}).items()}
    figures = json.loads(json.dumps(tally(sections, ctx.definition["groups"], recount.counts,
                                          ctx.definition["rules"], issued), default=str))
    given = published.get("results", {})
    for path, mine, theirs in _differences(figures, {k: given.get(k) for k in figures}):
        step.fail(f"{path}: the recount gives {_short(mine)}, the published tally {_short(theirs)}")


def _differences(a, b, path="results"):
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b), key=str):
            yield from _differences(a.get(k), b.get(k), f"{path}.{k}")
    elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b)):
            yield from _differences(x, y, f"{path}[{i}]")
    elif a != b:
        yield path, a, b


def _short(value) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 80 else text[:77] + "…"


def since_step(ctx, older: Bundle, step) -> None:
    """The newer record extends the older: its chain starts with every older entry unchanged, and
    keeps every older checkpoint."""
    try:
        old = [json.loads(line) for line in older.lines("audit-chain.jsonl")]
        new = [json.loads(line) for line in ctx.bundle.lines("audit-chain.jsonl")]
        old_notes, new_notes = dict(older.checkpoint_notes()), dict(ctx.bundle.checkpoint_notes())
    except (KeyError, ValueError) as exc:
        older.close()
        return step.fail(f"a bundle does not read: {exc}")
    older.close()
    if len(new) < len(old):
        step.fail(f"the older record has {len(old)} entries, this one {len(new)}: entries were removed")
    for height, (a, b) in enumerate(zip(old, new)):
        if a != b:
            step.fail(f"entry {height} differs from the older record's")
            break
    for name, note in old_notes.items():
        if new_notes.get(name) != note:
            step.fail(f"{name}: the older bundle's checkpoint is missing or changed")
    step.done()


def tracker_step(path, receipt: str, step):
    """One receipt (16 characters as printed, or a tracker's hex): its ballot and inclusion proof."""
    bundle = Bundle(path)
    try:
        hashes, found = [], None
        wanted = receipt.replace("-", "").replace(" ", "").upper()
        for i, line in enumerate(bundle.lines("ballots.jsonl")):
            tracker = bytes.fromhex(json.loads(line)["tracker"])
            hashes.append(merkle.leaf_hash(tracker))
            short = forms.short_tracker(tracker).replace("-", "")
            if found is None and (short == wanted or tracker.hex().upper() == wanted):
                found = (i, tracker)
    finally:
        bundle.close()
    if found is None:
        step.fail("no ballot of this round has this receipt")
        return step
    index, tracker = found
    proof = _proof(hashes, index)
    root = merkle.root_of_hashes(iter(hashes))
    if merkle.verify_inclusion(tracker, index, len(hashes), proof, root):
        step.details += [f"ballot {index + 1} of {len(hashes)}, tracker {tracker.hex()}",
                         f"inclusion proof against root {root.hex()}: " + " ".join(p.hex()[:16] for p in proof)]
        step.done()
    else:
        step.fail("the inclusion proof does not verify")
    return step


def _proof(hashes, index):
    """RFC 9162 PATH over leaf hashes (merkle.inclusion_proof takes the leaves' data)."""
    n = len(hashes)
    if n <= 1:
        return []
    k = 1 << ((n - 1).bit_length() - 1)
    if index < k:
        return _proof(hashes[:k], index) + [merkle.root_of_hashes(iter(hashes[k:]))]
    return _proof(hashes[k:], index - k) + [merkle.root_of_hashes(iter(hashes[:k]))]
