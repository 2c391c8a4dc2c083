"""Tally benchmark: a round of 1,000,000 ballots of 20 rating rows over 5 voter groups, filled
with generate_series (not the HTTP path, but the same columns a cast writes: answers and the
packed counter), tallied by the service's code (`results.round_results`: the definition, SQL
counts, ballots.tally), next to the bare SELECT … GROUP BY that computes the same counts from
the same rows (`count(*), sum(tally)` per group), in one run. For context it also times a GROUP
BY that reads every row but counts nothing (`count(answers)`) and the plain jsonb GROUP BY.

Then the 10,000,000-ballot round of bench/big_round.py (written as the mixer writes it, counts
in ballot_counts): the results read through results.round_results, and the full recount of the
ballots with the verifier's code, which must equal the stored counts.

    .venv/bin/python bench/tally.py [--ballots 1000000] [--big 10000000 | --big 0]

Targets: tally ≤ 2 s and ≤ 1.5× the bare query; the 10M round's results read ≤ 50 ms (median of
7) and its recount equal to the stored counts. The last line is one JSON object; the exit status
is 1 when a target is missed. The bench's database is dropped at the end.
"""
from __future__ import annotations

import argparse
import json
import sys
import time

import big_round
from common import drop_database, fresh_database, make_app

SUBJECTS, GROUPS = 20, 5


def best_of(n, fn):
    times = []
    for _ in range(n):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return min(times), result


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--ballots", type=int, default=1_000_000)
    parser.add_argument("--big", type=int, default=10_000_000, help="ballots of the big round (0: none)")
    args = parser.parse_args()
    dsn = fresh_database("pingyi_bench_tally")
    try:
        return measure(args, dsn)
    finally:
        drop_database(dsn)


def measure(args, dsn) -> int:
    import psycopg2
    import psycopg2.extras

    from service.accounts.auth import ROLES, Principal
    from service.campaigns.operations import add_part, transition
    from service.campaigns.schemas import GroupIn, RoundIn, SectionIn, SubjectIn
    from service.results import operations as results
    app = make_app(dsn)
    conn = psycopg2.connect(dsn, cursor_factory=psycopg2.extras.RealDictCursor)
    actor = Principal("user", 1, "bench", ROLES["admin"], "admin")
    with conn.cursor() as cur:
        from service.accounts.operations import create_user
        create_user(cur, None, {"username": "bench", "password": "x" * 12, "role": "admin"})
        from service.campaigns.operations import create_campaign
        from service.campaigns.schemas import CampaignIn
        cid = create_campaign(cur, actor, CampaignIn().load({"title": "百万票测评"}))["id"]
        groups = [add_part(cur, actor, "voter_groups", cid, GroupIn().load(
            {"name": f"群体{i}", "weight": 0.2, "eligible": args.ballots}))["id"] for i in range(GROUPS)]
        subjects = [add_part(cur, actor, "subjects", cid, SubjectIn().load(
            {"name": f"单位{i:02d}", "kind": "organisation", "position": i}))["id"] for i in range(SUBJECTS)]
        rid = add_part(cur, actor, "rounds", cid, RoundIn().load({"title": "测评", "kind": "evaluation"}))["id"]
        sid = add_part(cur, actor, "sections", cid, SectionIn().load(
            {"round_id": rid, "type": "rating", "title": "满意度", "config": {"scale": "satisfaction"}}))["id"]
        with app.app_context():  # opening makes the round's sealing key under the app's var dir
            for state in ("announced", "open"):
                transition(cur, actor, cid, state)
    conn.commit()
    fill_started = time.perf_counter()
    with conn.cursor() as cur:
        # Slot of (row i, option k) = 4·i + k (options in scale order), as ballots.forms.pack_marks lays it out.
        cur.execute(
            """INSERT INTO ballots (id, campaign_id, round_id, group_id, answers, tracker, source, tally)
               SELECT gen_random_uuid(), %(c)s, %(r)s, (%(groups)s::bigint[])[1 + n %% 5],
                      jsonb_build_object(%(sid)s::text, coalesce(a.obj, '{}'::jsonb)),
                      sha256(int8send(n)), 'online', a.tally
               FROM generate_series(1, %(n)s) n,
               LATERAL (
                   SELECT jsonb_object_agg((%(subjects)s::bigint[])[i]::text,
                                           (ARRAY['满意','基本满意','不满意','不了解'])[k]) FILTER (WHERE k > 0) AS obj,
                          sum(CASE WHEN k > 0 THEN 10::numeric ^ (7 * (4 * (i - 1) + k - 1)) ELSE 0 END) AS tally
                   FROM (SELECT i, CASE WHEN random() < 0.05 THEN 0 ELSE 1 + floor(random() * 4)::int END AS k
                         FROM generate_series(1, 20 + 0 * n) i) x) a""",
            {"c": cid, "r": rid, "groups": groups, "sid": str(sid), "subjects": subjects, "n": args.ballots})
        cur.execute("UPDATE campaigns SET state = 'closed' WHERE id = %s", (cid,))
    conn.commit()
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("VACUUM ANALYZE ballots")
    fill = time.perf_counter() - fill_started
    print(f"filled {args.ballots} ballots in {fill:.0f} s", file=sys.stderr)

    ours_conn = psycopg2.connect(dsn, cursor_factory=psycopg2.extras.RealDictCursor)
    ours_conn.autocommit = True  # like the bare query's connection: no transaction to open or close

    def ours():
        with app.app_context(), ours_conn.cursor() as cur:
            return results.round_results(cur, cid, rid)

    def bare():
        """The bare GROUP BY that computes the same counts from the same rows, without the service."""
        with conn.cursor() as cur:
            cur.execute("SELECT group_id, count(*), sum(tally) FROM ballots WHERE round_id = %s GROUP BY group_id",
                        (rid,))
            return cur.fetchall()

    def scan():
        """A GROUP BY that reads every row but counts nothing (a floor, for context)."""
        with conn.cursor() as cur:
            cur.execute("SELECT group_id, count(answers) FROM ballots WHERE round_id = %s GROUP BY group_id", (rid,))
            return cur.fetchall()

    def jsonb():
        with conn.cursor() as cur:
            cur.execute("""SELECT b.group_id, r.key, r.value, count(*) FROM ballots b,
                           jsonb_each_text(b.answers -> %s) r WHERE b.round_id = %s GROUP BY 1, 2, 3""",
                        (str(sid), rid))
            return cur.fetchall()

    ours()  # warm the cache
    seconds, result = best_of(3, ours)
    bare_seconds, _ = best_of(3, bare)
    scan_seconds, _ = best_of(3, scan)
    jsonb_seconds, rows = best_of(1, jsonb)
    # The counts agree with the plain jsonb GROUP BY, cell by cell.
    plain = {(r["group_id"], r["key"], r["value"]): r["count"] for r in rows}
    ours_counts = {(int(g), row["key"], opt): n for row in result["sections"][0]["rows"]
                   for g, figs in row["groups"].items() if figs for opt, n in figs["counts"].items() if n}
    assert ours_counts == plain, "the packed counters disagree with the answers"
    ratio = seconds / bare_seconds
    ok = seconds <= 2 and ratio <= 1.5
    conn.close()
    ours_conn.close()
    big = big_round.run(app, dsn, args.big) if args.big else {}
    if big:
        ok = ok and big["big_read_ms"] <= 50 and big["big_recount_equal"]
    print(f"tally {seconds:.3f} s, bare counting GROUP BY {bare_seconds:.3f} s, row-reading scan "
          f"{scan_seconds:.3f} s, jsonb GROUP BY {jsonb_seconds:.2f} s", file=sys.stderr)
    print(json.dumps({"ballots": args.ballots, "rows": SUBJECTS, "groups": GROUPS, "seconds": round(seconds, 3),
                      "bare_seconds": round(bare_seconds, 3), "ratio": round(ratio, 2),
                      "scan_seconds": round(scan_seconds, 3), "ratio_to_scan": round(seconds / scan_seconds, 2),
                      "jsonb_group_by_seconds": round(jsonb_seconds, 2), **big,
                      "targets": {"seconds_max": 2, "ratio_max": 1.5, "big_read_ms_max": 50,
                                  "big_recount_equal": True}, "ok": ok}))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
