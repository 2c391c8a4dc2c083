"""Mix benchmark: sealed ballots of the demo campaign's evaluation round (rating rows and a
comment), sealed as a cast seals them, are mixed by the service's mixer (`mixer.run_once`: open,
shuffle, write, delete the sealed rows, one transaction a group), against a baseline that writes
the same plaintext rows with the same statement and deletes the same sealed rows, without
opening anything — what mixing costs beyond moving the rows.

    .venv/bin/python bench/mix.py [--ballots 100000]

Target: ≥ 20,000 ballots mixed a second. The last line is one JSON object; the exit status is 1
when the target is missed.
"""
from __future__ import annotations

import argparse
import io
import json
import secrets
import sys
import time
import uuid

from common import announced_campaign, fresh_database, make_app

GROUPS, K = 4, 10


def sealed_line(key, campaign_id, round_id, group, ballot, size) -> str:
    """A sealed_ballots row in COPY's text format, sealed as a cast seals it."""
    from ballots import sealing
    sealed = sealing.seal(key, round_id, group, ballot, size)
    return f"\\\\x{secrets.token_hex(16)}\t{campaign_id}\t{round_id}\t{group}\t\\\\x{sealed.hex()}\n"


def seal_all(app, dsn, campaign, n):
    """n sealed ballots over the campaign's first GROUPS groups, COPYed in; their plaintexts."""
    import psycopg2
    import psycopg2.extras

    from ballots import forms
    from service.accounts.auth import ROLES, Principal
    from service.campaigns.operations import definition, transition
    from service.voting import round_keys
    from service.voting.operations import round_size

    with psycopg2.connect(dsn, cursor_factory=psycopg2.extras.RealDictCursor) as conn, conn.cursor() as cur:
        with app.app_context():
            transition(cur, Principal("user", 1, "bench", ROLES["admin"], "admin"), campaign["id"], "open")
        d = definition(cur, campaign["id"])
        rnd = d["rounds"][1]  # the evaluation round: ratings and a comment
        groups = [g["id"] for g in d["groups"]][:GROUPS]
        size = round_size(cur, campaign["id"], rnd["id"])
        key = round_keys.load(app.config["SETTINGS"].var_dir, rnd["id"])
        sections = forms.build_form(d, rnd["id"], None)
        rating = next(s for s in sections if s.type == "rating")
        text = next((s for s in sections if s.type == "text"), None)
        lines, plain = io.StringIO(), []
        for i in range(n):
            group = groups[i % len(groups)]
            answers = {str(rating.id): {r.key: rating.options[(i + j) % len(rating.options)]
                                        for j, r in enumerate(rating.rows)}}
            if text is not None and i % 3 == 0:
                answers[str(text.id)] = f"希望加强实验室开放（第 {i} 条意见）"
            ballot = forms.canonical({"id": str(uuid.uuid4()), "round_id": rnd["id"], "group_id": group,
                                      "answers": answers})
            lines.write(sealed_line(key, campaign["id"], rnd["id"], group, ballot, size))
            plain.append((ballot, group))
        lines.seek(0)
        cur.copy_expert("COPY sealed_ballots (id, campaign_id, round_id, group_id, sealed) FROM STDIN", lines)
    conn.close()
    return rnd["id"], plain, size


def bare_move(dsn, campaign_id, round_id, plain):
    """The baseline: the same rows written with the same statement, the sealed rows deleted."""
    import hashlib

    import psycopg2
    import psycopg2.extras

    from service.voting import queries as q
    rows = [(json.loads(b)["id"], campaign_id, round_id, g, json.loads(b)["answers"],
             hashlib.sha256(b).digest(), "online", None) for b, g in plain]
    with psycopg2.connect(dsn, cursor_factory=psycopg2.extras.RealDictCursor) as conn, conn.cursor() as cur:
        start = time.perf_counter()
        cur.execute("SELECT id FROM sealed_ballots WHERE round_id = %s FOR UPDATE", (round_id,))
        ids = [bytes(r["id"]) for r in cur.fetchall()]
        q.insert_ballots(cur, rows)
        q.delete_sealed(cur, ids)
        conn.commit()
        seconds = time.perf_counter() - start
        cur.execute("DELETE FROM ballots WHERE round_id = %s", (round_id,))
    conn.close()
    return seconds


def main() -> int:
    import psycopg2

    from service.voting import mixer

    parser = argparse.ArgumentParser()
    parser.add_argument("--ballots", type=int, default=100_000)
    args = parser.parse_args()
    dsn = fresh_database("pingyi_bench_mix")
    app = make_app(dsn)
    campaign, _headers = announced_campaign(app)
    var_dir = app.config["SETTINGS"].var_dir
    round_id, plain, size = seal_all(app, dsn, campaign, args.ballots)
    bare = bare_move(dsn, campaign["id"], round_id, plain)
    with psycopg2.connect(dsn) as conn, conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM sealed_ballots")
        left = cur.fetchone()[0]
    conn.close()
    if left:
        print(f"the baseline left {left} sealed rows", file=sys.stderr)
        return 2
    _reseal(app, dsn, campaign["id"], round_id, plain, size)  # the baseline moved them: seal them again
    start = time.perf_counter()
    done = mixer.run_once(dsn, var_dir, K)
    seconds = time.perf_counter() - start
    with psycopg2.connect(dsn) as conn, conn.cursor() as cur:
        cur.execute("SELECT (SELECT count(*) FROM sealed_ballots), (SELECT count(*) FROM ballots)")
        sealed_left, mixed = cur.fetchone()
    conn.close()
    kept = GROUPS * K  # while voting is open, k of each group stay sealed for the close
    assert done["mixed"] == args.ballots - kept == mixed and sealed_left == kept, (done, mixed, sealed_left)
    per_second = mixed / seconds
    print(f"mixed {mixed} ballots ({size}-byte ballots, {done['batches']} batches) in {seconds:.2f} s: "
          f"{per_second:,.0f} a second; moving the same rows without opening them: {bare:.2f} s")
    result = {"ballots": mixed, "padded_bytes": size, "batches": done["batches"], "seconds": round(seconds, 2),
              "ballots_per_second": round(per_second), "bare_seconds": round(bare, 2),
              "ratio_to_bare": round(seconds / bare, 2), "targets": {"ballots_per_second_min": 20_000}}
    result["ok"] = per_second >= 20_000
    print(json.dumps(result))
    return 0 if result["ok"] else 1


def _reseal(app, dsn, campaign_id, round_id, plain, size):
    """The same plaintexts sealed again (fresh nonces), for the mixer to open."""
    import psycopg2

    from service.voting import round_keys
    key = round_keys.load(app.config["SETTINGS"].var_dir, round_id)
    lines = io.StringIO()
    for ballot, group in plain:
        lines.write(sealed_line(key, campaign_id, round_id, group, ballot, size))
    lines.seek(0)
    with psycopg2.connect(dsn) as conn, conn.cursor() as cur:
        cur.copy_expert("COPY sealed_ballots (id, campaign_id, round_id, group_id, sealed) FROM STDIN", lines)
    conn.close()


if __name__ == "__main__":
    sys.exit(main())
