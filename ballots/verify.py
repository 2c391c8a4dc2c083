"""The offline verifier of a round's auditor bundle (docs/audit.md):

    python -m ballots.verify BUNDLE.zip [--json REPORT.json] [--key VERIFIER_KEY]
                             [--tracker RECEIPT] [--since OLDER_BUNDLE.zip]

No database, no web framework. Numbered steps in a fixed order, each PASS, FAIL (naming the
entry, ballot or figure) or SKIPPED with its reason; SKIPPED never counts as PASS, and the exit
status is 1 on any FAIL (2 when the bundle cannot be read at all). The ballots are read once, as
a stream: memory does not grow with their number.
"""
from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field

from . import audit, signed_note
from .bundle import Bundle
from .verify_steps import ballot_pass, chain_step, check_checkpoint_heads, check_tally, manifest_step, since_step, tracker_step

PASS, FAIL, SKIPPED = "PASS", "FAIL", "SKIPPED"
TITLES = ["manifest: every file present, with the SHA-256 the manifest names",
          "definition: the campaign's definition reads, with the round",
          "audit chain: every entry links to the one before, heights in order, the checkpoints' heads on it",
          "signatures: the keys follow their announcements, and each checkpoint is signed by one",
          "tracker tree: the ballots' count and the Merkle root of their trackers are the checkpoint's",
          "trackers: every ballot's tracker recomputed from its content",
          "rules: every ballot valid under the definition's rules",
          "tally: the ballots recounted with ballots.tally, figure by figure equal to the published tally",
          "tally hash: the recount's hash is the one the checkpoint signed"]


@dataclass
class Step:
    number: int
    title: str
    status: str = SKIPPED
    details: list[str] = field(default_factory=list)

    def fail(self, what: str) -> None:
        self.status = FAIL
        if len(self.details) < 50:
            self.details.append(what)
        elif len(self.details) == 50:
            self.details.append("… (more not shown)")

    def done(self, reason_if_skipped: str | None = None) -> None:
        if self.status != FAIL:
            self.status = SKIPPED if reason_if_skipped else PASS
            if reason_if_skipped:
                self.details.append(reason_if_skipped)


@dataclass
class Context:
    """What the steps learn and hand on."""
    bundle: Bundle
    trusted_key: str | None = None
    manifest: dict | None = None
    definition: dict | None = None
    round_id: int | None = None
    campaign_id: int | None = None
    keys: list = field(default_factory=list)
    checkpoints: list = field(default_factory=list)  # (name, audit.Checkpoint), signed by a known key
    mixed_per_group: dict = field(default_factory=dict)
    chain: list | None = None  # audit.Entry of the campaign's chain, in height order
    chain_payloads: dict = field(default_factory=dict)  # height → (type, payload)


def verify(path, trusted_key: str | None = None, since: str | None = None) -> list[Step]:
    """Run every step on the bundle at `path`; the steps, in order."""
    steps = [Step(i + 1, t) for i, t in enumerate(TITLES)]
    ctx = Context(Bundle(path), trusted_key)
    try:
        manifest_step(ctx, steps[0])
        _definition(ctx, steps[1])
        chain_step(ctx, steps[2])
        _signatures(ctx, steps[3])
        check_checkpoint_heads(ctx, steps[2])
        recount = ballot_pass(ctx, steps[4], steps[5], steps[6])
        check_tally(ctx, recount, steps[7], steps[8])
        if since:
            steps.append(Step(len(steps) + 1, f"extends {since}: no entry of the older record removed or changed"))
            since_step(ctx, Bundle(since), steps[-1])
    finally:
        ctx.bundle.close()
    return steps


def _definition(ctx: Context, step: Step) -> None:
    if ctx.manifest is None:
        return step.done("the manifest did not read")
    try:
        ctx.definition = ctx.bundle.json("definition.json")
        ctx.round_id, ctx.campaign_id = int(ctx.manifest["round_id"]), int(ctx.manifest["campaign_id"])
        rounds = {r["id"]: r for r in ctx.definition["rounds"]}
    except (KeyError, ValueError, TypeError) as exc:
        return step.fail(f"definition.json or the manifest's ids do not read: {exc}")
    if ctx.round_id not in rounds:
        step.fail(f"round {ctx.round_id} is not in the definition")
    if ctx.definition.get("id") != ctx.campaign_id:
        step.fail(f"the definition is of campaign {ctx.definition.get('id')}, the manifest names {ctx.campaign_id}")
    step.done()


def _signatures(ctx: Context, step: Step) -> None:
    if ctx.manifest is None:
        return step.done("the manifest did not read")
    try:
        listed = [signed_note.parse_verifier_key(line) for line in
                  ctx.bundle.read("keys/audit-keys.txt").decode("utf-8").split("\n") if line]
    except (KeyError, signed_note.NoteError) as exc:
        return step.fail(f"keys/audit-keys.txt does not read: {exc}")
    if not listed:
        return step.fail("the bundle names no key")
    anchor = listed[0]
    ctx.keys = [anchor]
    for i, (key, note) in enumerate(zip(listed[1:], ctx.bundle.rotations()), start=1):
        try:  # signed by the old key (which hands on its trust) and by the new (which vouches for the old)
            text = signed_note.open_note(note, ctx.keys[-1:])
            signed_note.open_note(note, [key])
        except signed_note.NoteError as exc:
            return step.fail(f"key {i + 1} is not announced by the key before it and by itself: {exc}")
        if f"\nold {_key_text(ctx.keys[-1])}\nnew {_key_text(key)}\n" not in text:
            return step.fail(f"key {i + 1}'s announcement names other keys")
        ctx.keys.append(key)
    if ctx.trusted_key is not None:
        given = signed_note.parse_verifier_key(ctx.trusted_key).public_key.public_bytes_raw()
        if given not in [k.public_key.public_bytes_raw() for k in ctx.keys]:
            return step.fail("the key you were given (--key) is not among the bundle's announced keys")
    if len(ctx.keys) != len(listed):
        step.fail(f"{len(listed) - len(ctx.keys)} keys have no announcement")
    _checkpoints(ctx, step)
    step.done()
    if ctx.trusted_key is None and step.status == PASS:
        step.details.append("the first key was taken from the bundle itself: compare it with the key the "
                            f"service publishes at /audit/key ({_key_text(anchor)})")


def _key_text(key) -> str:
    return signed_note.verifier_key(key.name, key.public_key)


def _checkpoints(ctx: Context, step: Step) -> None:
    notes = ctx.bundle.checkpoint_notes()
    if not notes:
        step.fail("the bundle holds no checkpoint of the round")
    for name, note in notes:
        try:
            body = signed_note.parse_checkpoint(signed_note.open_note(note, ctx.keys))
            checkpoint = audit.read_checkpoint(*body)
        except (signed_note.NoteError, ValueError) as exc:
            step.fail(f"{name}: {exc}")
            continue
        if checkpoint.campaign_id != ctx.campaign_id or not checkpoint.origin.endswith(f"/rounds/{ctx.round_id}"):
            step.fail(f"{name}: is a checkpoint of another round or campaign ({checkpoint.origin})")
            continue
        ctx.checkpoints.append((name, checkpoint))


def _print(steps: list[Step], out) -> None:
    for s in steps:
        print(f"{s.number}. {s.status:7} {s.title}", file=out)
        for d in s.details:
            print(f"           {d}", file=out)
    failed = [s.number for s in steps if s.status == FAIL]
    skipped = [s.number for s in steps if s.status == SKIPPED]
    verdict = "FAIL" if failed else ("INCOMPLETE" if skipped else "PASS")
    print(f"verdict: {verdict}" + (f" (failed: {failed})" if failed else "") +
          (f" (skipped, not passed: {skipped})" if skipped else ""), file=out)


def report(steps: list[Step]) -> dict:
    failed = any(s.status == FAIL for s in steps)
    skipped = any(s.status == SKIPPED for s in steps)
    return {"verdict": "FAIL" if failed else "INCOMPLETE" if skipped else "PASS",
            "steps": [{"number": s.number, "title": s.title, "status": s.status, "details": s.details} for s in steps]}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ballots.verify", description=__doc__.split("\n\n")[0])
    parser.add_argument("bundle")
    parser.add_argument("--json", metavar="REPORT", help="also write the report as JSON ('-': standard output)")
    parser.add_argument("--key", help="the service's verifier key, as published at /audit/key")
    parser.add_argument("--tracker", help="check one receipt: its ballot and inclusion proof")
    parser.add_argument("--since", metavar="OLDER_BUNDLE", help="check that this bundle extends an older one")
    args = parser.parse_args(argv)
    try:
        steps = verify(args.bundle, args.key, args.since)
    except (OSError, KeyError, ValueError) as exc:
        print(f"the bundle cannot be read: {exc}", file=sys.stderr)
        return 2
    if args.tracker:
        steps.append(tracker_step(args.bundle, args.tracker, Step(len(steps) + 1, f"receipt {args.tracker}")))
    _print(steps, sys.stdout if args.json != "-" else sys.stderr)
    if args.json:
        text = json.dumps(report(steps), ensure_ascii=False, indent=2)
        if args.json == "-":
            print(text)
        else:
            with open(args.json, "w", encoding="utf-8") as f:
                f.write(text + "\n")
    return 1 if any(s.status == FAIL for s in steps) else 0


if __name__ == "__main__":
    sys.exit(main())
