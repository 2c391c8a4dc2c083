"""OMR benchmark: synthetic filled paper ballots, printed by the project's own code (a campaign
with a rating section of 10 subjects × 4 options, an approve section, a choose section with
write-ins, a score and a text section: two pages a ballot), rasterised at 200 dpi (pypdfium2),
marked as a pen would (bench/omr_synth.py: ticks, crosses, filled boxes, light and heavy strokes,
some corrected by filling the wrong box solid, a speck of dust in a blank row now and then),
tilted up to 3°, scaled ±3 %, with noise and uneven light, blurred and saved as JPEG; then read
by ballots/omr.py (locate, measure, propose), which alone is timed.

    .venv/bin/python bench/omr.py [--ballots 200] [--seed 1] [--specks 0.002]

A mark box is read right when the proposal says what was meant (marked or not; a corrected box
not), flagged when its row or box is left to the tellers (every box of a flagged row counts),
wrong otherwise. Targets: ≥ 99.5 % of marks read right, no wrong mark unflagged, ≥ 2 pages a
second. The last line is one JSON object; the exit status is 1 when a target is missed.
"""
from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ballots import forms, omr  # noqa: E402
from ballots.paper_layout import layout  # noqa: E402
from bench import omr_synth as synth  # noqa: E402


def proposed_marked(key, proposal) -> bool:
    sid = str(key[0])
    if key[1] == "subject":
        return key[2] in proposal.answers.get(sid, {}).get("chosen", [])
    if key[1] == "write_in":
        return proposal.marks[key].state == "marked"
    return proposal.answers.get(sid, {}).get(key[1]) == key[2]


def is_flagged(key, flagged: set) -> bool:
    return key in flagged or key[:2] in flagged


def score(truth: dict, proposal) -> tuple[int, int, int]:
    """(right, flagged, wrong) over one ballot's mark boxes."""
    flagged = {f.key for f in proposal.flagged}
    missing = set(proposal.missing_pages)
    right = flag = wrong = 0
    for key, meant in truth.items():
        if key not in proposal.marks and missing:
            flag += 1  # on a page that could not be read
        elif is_flagged(key, flagged):
            flag += 1
        elif proposed_marked(key, proposal) == (meant == "marked"):
            right += 1
        else:
            wrong += 1
            print("wrong:", key, meant, proposal.marks.get(key), file=sys.stderr)
    return right, flag, wrong


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--ballots", type=int, default=200)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--specks", type=float, default=0.002, help="share of rows with a speck in a box and no mark")
    args = ap.parse_args()
    defn = synth.definition()
    head = synth.heading(defn)
    sections = forms.build_form(defn, 7, None)
    layouts = layout(head)
    rng = random.Random(args.seed)
    tokens = synth.tokens(args.ballots, args.seed)
    pdf = synth.pdf_of(head, tokens)
    pages = omr.pdf_pages(pdf, dpi=synth.DPI)  # one ballot's pages at a time
    per = len(layouts)
    totals = {"right": 0, "flagged": 0, "wrong": 0}
    reasons: dict[str, int] = {}
    reading, not_located, n_pages = 0.0, 0, 0
    for _ in range(args.ballots):
        images = [next(pages) for _ in range(per)]
        truth = synth.fill_ballot(sections, layouts, images, rng, speck_share=args.specks)
        scans = [synth.distort(img, rng) for img in images]
        rng.shuffle(scans)
        t0 = time.perf_counter()
        reads = []
        for img in scans:
            try:
                located = omr.locate(img)
            except omr.PageNotRead:
                not_located += 1
                continue
            reads.append(omr.measure(located, layouts[located.page - 1]))
        proposal = omr.propose(sections, layouts, reads)
        reading += time.perf_counter() - t0
        n_pages += len(scans)
        for f in proposal.flagged:
            reasons[f.reason] = reasons.get(f.reason, 0) + 1
        for name, n in zip(("right", "flagged", "wrong"), score(truth, proposal)):
            totals[name] += n
    marks = sum(totals.values())
    result = {"ballots": args.ballots, "pages": n_pages, "marks": marks,
              "read_right": round(totals["right"] / marks, 5), "flagged": round(totals["flagged"] / marks, 5),
              "wrong_unflagged": totals["wrong"], "flags_by_reason": reasons, "pages_not_located": not_located,
              "reading_seconds": round(reading, 2), "pages_per_second": round(n_pages / reading, 2)}
    result["targets_met"] = (result["read_right"] >= 0.995 and totals["wrong"] == 0
                             and result["pages_per_second"] >= 2)
    print(json.dumps(result, ensure_ascii=False))
    return 0 if result["targets_met"] else 1


if __name__ == "__main__":
    sys.exit(main())
