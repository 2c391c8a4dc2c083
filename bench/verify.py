"""Verifier benchmark (issue 11): a closed round's auditor bundle of 100,000 ballots, then one of
1,000,000, each built by the service's own code (service.audit.bundle.stream, in one REPEATABLE
READ snapshot, to a temporary file) and checked by the offline verifier in a fresh process of
its own (ballots.verify.main, as `python -m ballots.verify BUNDLE --json -` runs it), timed,
its peak resident memory read by that process itself (VmHWM, at its end). Every step must
PASS: a verifier that skips a step is not a measurement.

The round is the demo campaign's evaluation round (rating rows and a comment). Its ballots are
written as the mixer writes them — not cast over HTTP, so a million is feasible: the campaign is
opened, each group's ballots (valid ballots of the group's form, answers varied deterministically
from a pool checked by forms.validate, ids from a seeded generator) go into `ballots` with the
mixer's COPY (queries.insert_ballots), their counts into `ballot_counts` (counts.add_ballot,
to_record, put_counts) and one `ballots.mixed` entry a group onto the campaign's chain, as a batch
would; then the campaign is closed by `transition(…, "closed")`, which signs the close checkpoint
over what is in `ballots` (its final mix finds no sealed row).

    .venv/bin/python bench/verify.py [--ballots 100000] [--big 1000000 | --big 0]

Targets: ≥ 20,000 ballots verified a second (the 100,000-ballot bundle), and the verifier's peak
memory for 1,000,000 ballots within 1.5× that for 100,000. The last line is one JSON object; the
exit status is 1 when a target is missed (or a step does not PASS). The bench's databases are
dropped at the end.
"""
from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from common import ROOT, announced_campaign, drop_database, fresh_database, make_app

POOL, SPEED_MIN, MEMORY_RATIO_MAX = 997, 20_000, 1.5


def answer_pool(sections, size: int, seed: int) -> list[dict]:
    """`size` distinct valid answers of the form (forms.validate's clean answers)."""
    from ballots import forms
    rating = next(s for s in sections if s.type == "rating")
    text = next((s for s in sections if s.type == "text"), None)
    rng, seen, out = random.Random(seed), set(), []
    while len(out) < size:
        answers = {str(rating.id): {r.key: rng.choice(rating.options) for r in rating.rows if rng.random() < 0.95}}
        if text is not None and rng.random() < 0.3:
            answers[str(text.id)] = f"希望加强实验室开放（第 {rng.randrange(10 ** 6)} 条意见）"
        clean, problems = forms.validate(sections, answers)
        key = forms.canonical(clean)
        if not problems and key not in seen:
            seen.add(key)
            out.append(clean)
    return out


def build_round(app, dsn: str, campaign: dict, n: int) -> tuple[int, float]:
    """Open the campaign, write n ballots of its evaluation round as mixed batches (one a group),
    close it; the round's id and the seconds the writing took."""
    import psycopg2
    import psycopg2.extras

    from ballots import audit, counts, forms
    from service.accounts.auth import ROLES, Principal
    from service.campaigns.operations import definition, transition
    from service.core import db
    from service.core.event_queries import insert_event
    from service.voting import queries as q

    actor = Principal("user", 1, "bench", ROLES["admin"], "admin")
    started = time.perf_counter()
    with psycopg2.connect(dsn, cursor_factory=psycopg2.extras.RealDictCursor) as conn:
        with conn.cursor() as cur, app.app_context():
            transition(cur, actor, campaign["id"], "open")
        conn.commit()
        with conn.cursor() as cur:
            d = definition(cur, campaign["id"])
        rnd = d["rounds"][1]  # the evaluation round: ratings and a comment
        rid, groups = rnd["id"], [g["id"] for g in d["groups"]]
        rng = random.Random(11)
        for gi, g in enumerate(groups):
            count = n // len(groups) + (1 if gi < n % len(groups) else 0)
            sections = forms.build_form(d, rid, g)
            packer = counts.marks_text(sections)
            pool = [(a, forms.canonical(a), packer(a)) for a in answer_pool(sections, POOL, seed=gi)]
            group_counts, trackers = counts.Counts(), []
            rows = _ballot_rows(rng, campaign["id"], rid, g, count, pool[gi:] + pool[:gi], group_counts, trackers)
            with conn.cursor() as cur:
                q.lock_group(cur, rid, g)
                q.insert_ballots(cur, rows)
                q.put_counts(cur, rid, g, counts.to_record(group_counts, g))
                insert_event(cur, "mixer", "ballots.mixed", campaign["id"],
                             {"round_id": rid, "group_id": g, "count": len(trackers),
                              "trackers_sha256": audit.batch_digest(trackers).hex()})
            conn.commit()
    conn.close()
    with app.app_context(), db.transaction() as cur:
        transition(cur, actor, campaign["id"], "closed")  # signs each round's close checkpoint
    return rid, time.perf_counter() - started


def _ballot_rows(rng, campaign_id, round_id, group_id, count, pool, group_counts, trackers):
    """The group's ballot rows (queries.BALLOT_COLUMNS' order), counted and their trackers kept as
    they are made. The tracker is SHA-256 of the canonical ballot, put together as the mixer reads
    it (answers first); the first few are checked against forms.tracker."""
    import hashlib

    from ballots import counts, forms
    tail = b',"group_id":%d,"id":"%%s","round_id":%d}' % (group_id, round_id)
    for j in range(count):
        answers, text, tally = pool[j * 7919 % len(pool)]
        ballot_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        tracker = hashlib.sha256(b'{"answers":' + text + tail % ballot_id.encode("ascii")).digest()
        if j < 3:
            assert tracker == forms.tracker(ballot_id, round_id, group_id, answers)
        counts.add_ballot(group_counts, group_id, answers)
        trackers.append(tracker)
        yield ballot_id, campaign_id, round_id, group_id, text, tracker, "online", tally


def build_bundle(app, campaign_id: int, round_id: int, path: Path) -> float:
    """The round's bundle, streamed to `path` as the service streams it; the seconds it took."""
    from service.audit import bundle
    from service.audit import queries as aq
    from service.core import db
    started = time.perf_counter()
    with app.app_context(), db.transaction() as cur, open(path, "wb") as f:
        aq.snapshot(cur)
        for chunk in bundle.stream(cur, campaign_id, round_id):
            f.write(chunk)
    return time.perf_counter() - started


# The verifier as `python -m ballots.verify` runs it, then its own peak resident memory (VmHWM of
# its address space) on the last line of standard error. Not the rusage of the child: on Linux a
# child's ru_maxrss starts at the RSS of the process that forked it (the kernel carries the old
# address space's high-water mark over exec), so it would report this bench's own memory.
_CHILD = """import sys
from ballots.verify import main
code = main(sys.argv[1:])
with open("/proc/self/status") as f:
    peak = next(line.split()[1] for line in f if line.startswith("VmHWM:"))
print(f"peak_kb {peak}", file=sys.stderr)
sys.exit(code)
"""


def verify_in_child(path: Path) -> dict:
    """The verifier in a fresh process of its own: seconds, its peak RSS and its report."""
    started = time.perf_counter()
    child = subprocess.run([sys.executable, "-c", _CHILD, str(path), "--json", "-"], cwd=ROOT,
                           capture_output=True, check=False)
    seconds = time.perf_counter() - started
    out, printed = child.stdout, child.stderr.decode("utf-8", "replace")
    last = printed.rstrip("\n").rsplit("\n", 1)[-1]
    peak_kb = int(last.split()[1]) if last.startswith("peak_kb ") else float("nan")
    try:
        report = json.loads(out)
    except ValueError:
        report = {"verdict": "UNREADABLE", "steps": []}
        print(printed, file=sys.stderr)
    bad = [s for s in report["steps"] if s["status"] != "PASS"]
    for s in bad:
        print(f"step {s['number']} {s['status']}: {s['title']}: {s['details'][:3]}", file=sys.stderr)
    return {"seconds": seconds, "peak_mb": peak_kb / 1024, "exit": child.returncode,
            "verdict": report["verdict"], "all_pass": bool(report["steps"]) and not bad}


def measure(n: int, label: str, folder: Path) -> dict:
    """A fresh database, a closed round of n ballots, its bundle built and verified; the figures."""
    dsn = fresh_database(f"pingyi_bench_verify_{label}")
    try:
        app = make_app(dsn)
        campaign, _headers = announced_campaign(app)
        round_id, write = build_round(app, dsn, campaign, n)
        path = folder / f"bundle-{label}.zip"
        build = build_bundle(app, campaign["id"], round_id, path)
        checked = verify_in_child(path)
        size = path.stat().st_size
        path.unlink()
    finally:
        drop_database(dsn)
    print(f"{n} ballots: written and closed in {write:.0f} s; bundle ({size / 2**20:.0f} MiB) built in "
          f"{build:.1f} s ({n / build:,.0f} a second); verified in {checked['seconds']:.1f} s "
          f"({n / checked['seconds']:,.0f} a second), peak {checked['peak_mb']:.0f} MB, verdict {checked['verdict']}",
          file=sys.stderr)
    return {"n": n, "write_seconds": write, "build_seconds": build, "bundle_mb": size / 2**20, **checked}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--ballots", type=int, default=100_000)
    parser.add_argument("--big", type=int, default=1_000_000, help="ballots of the second bundle (0: none)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="pingyi-bench-verify-") as folder:
        small = measure(args.ballots, "small", Path(folder))
        big = measure(args.big, "big", Path(folder)) if args.big else None
    per_second = small["n"] / small["seconds"]
    result = {"ballots": small["n"], "build_seconds": round(small["build_seconds"], 2),
              "build_ballots_per_second": round(small["n"] / small["build_seconds"]),
              "verify_seconds": round(small["seconds"], 2), "ballots_per_second": round(per_second),
              "bundle_mb": round(small["bundle_mb"], 1), "peak_mb_100k": round(small["peak_mb"], 1)}
    ok = small["all_pass"] and per_second >= SPEED_MIN
    if big:
        ratio = big["peak_mb"] / small["peak_mb"]
        result.update({"big_ballots": big["n"], "big_build_seconds": round(big["build_seconds"], 2),
                       "big_verify_seconds": round(big["seconds"], 2),
                       "big_ballots_per_second": round(big["n"] / big["seconds"]),
                       "big_bundle_mb": round(big["bundle_mb"], 1),
                       "peak_mb_1m": round(big["peak_mb"], 1), "memory_ratio": round(ratio, 3)})
        ok = ok and big["all_pass"] and ratio <= MEMORY_RATIO_MAX
    result["all_steps_pass"] = small["all_pass"] and (big is None or big["all_pass"])
    result["targets"] = {"ballots_per_second_min": SPEED_MIN, "memory_ratio_max": MEMORY_RATIO_MAX,
                         "every_step": "PASS"}
    result["ok"] = ok
    print(json.dumps(result))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
