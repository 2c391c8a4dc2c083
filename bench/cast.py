"""Cast benchmark: the real cast path (`POST /api/v1/ballots:cast`: MAC check, token consumed,
answers validated, ballot sealed and stored, receipt) as `serve` runs it — a kept cast is
answered by service/voting/fastpath.py in front of Flask — against a bare Flask + psycopg2
endpoint doing one UPDATE and one INSERT, both under the same gunicorn settings, driven by
the same load: wrk with 64 keep-alive connections, every request a fresh ballot, four runs
alternating the two sides.

    make bench-deps && .venv/bin/python bench/cast.py [--seconds 5] [--workers 4] [--threads 4]

Targets: real throughput ≥ 0.7 × bare, real p99 < 100 ms. The last line is one JSON object;
the exit status is 1 when a target is missed.
"""
from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

from common import ROOT, fresh_database

CONNECTIONS = 64
THREADS = 1
WORKER_CLASS = "sync"  # as `serve` runs by default


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(app_spec, env, workers, port):
    cmd = [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
           "--worker-class", WORKER_CLASS, "--threads", str(THREADS), "--log-level", "warning", app_spec]
    log = open(f"/tmp/pingyi-bench-{port}.log", "w")  # a file, not a pipe nobody drains
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    proc.log_path = log.name
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return proc
        except urllib.error.HTTPError:
            return proc  # the bare app has no /healthz: a 404 means it is up
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError(open(proc.log_path).read()[-2000:])


def drive(port, path, bodies, seconds):
    """wrk: CONNECTIONS keep-alive connections for `seconds`, each request a body of its own."""
    with tempfile.NamedTemporaryFile("wb", suffix=".jsonl", delete=False) as f:
        f.write(b"\n".join(bodies) + b"\n")
    out = subprocess.run(["wrk", "-t", "2", "-c", str(CONNECTIONS), "-d", f"{seconds}s", "--timeout", "10s",
                          "-s", str(ROOT / "bench" / "cast.lua"), f"http://127.0.0.1:{port}", "--",
                          f.name, "2", path], capture_output=True, text=True, check=True)
    os.unlink(f.name)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    if result["requests"] > len(bodies):
        raise RuntimeError("wrk ran out of ballots: prepare more (--rate-hint)")
    return result


def prepare(dsn, secret, n):
    """An open demo campaign, n real tokens for it, and n tokens in the bare tables."""
    import psycopg2
    import psycopg2.extras
    from common import announced_campaign, make_app

    from ballots.tokens import Minter, derive_key, token_hash
    from service.accounts.auth import ROLES, Principal
    from service.campaigns.operations import transition

    app = make_app(dsn)
    campaign, _headers = announced_campaign(app)
    minter = Minter(derive_key(secret, "ballot-token-mac/v1"))
    real = minter.mint_many(campaign["round"] + 1, n)  # the evaluation round (rating, rating, text)
    bare = [secrets.token_urlsafe(20) for _ in range(n)]
    with psycopg2.connect(dsn, cursor_factory=psycopg2.extras.RealDictCursor) as conn, conn.cursor() as cur:
        actor = Principal("user", 1, "bench", ROLES["admin"], "admin")
        with app.app_context():  # opening makes the round keys, in the directory the servers read
            transition(cur, actor, campaign["id"], "open")
        cur.execute("SELECT id FROM rounds WHERE campaign_id = %s ORDER BY position", (campaign["id"],))
        rid = [r["id"] for r in cur.fetchall()][1]
        assert rid == campaign["round"] + 1
        cur.execute("SELECT id FROM sections WHERE round_id = %s ORDER BY position", (rid,))
        sids = [r["id"] for r in cur.fetchall()]
        cur.execute("SELECT id FROM subjects WHERE campaign_id = %s AND category = '基层党组织' ORDER BY position",
                    (campaign["id"],))
        orgs = [r["id"] for r in cur.fetchall()]
        cur.execute("""INSERT INTO batches (campaign_id, round_id, group_id, kind, layout, size, created_by)
                       VALUES (%s, %s, %s, 'print', 'slips-2x4', %s, 'bench') RETURNING id""",
                    (campaign["id"], rid, campaign["group"], n))
        batch = cur.fetchone()["id"]
        buf = io.StringIO("".join(f"\\\\x{token_hash(t).hex()}\t{campaign['id']}\t{rid}\t{campaign['group']}\t{batch}\n"
                                  for t in real))
        cur.copy_expert("COPY ballot_tokens FROM STDIN", buf)
        cur.execute("CREATE TABLE bare_tokens (token_hash bytea PRIMARY KEY, used boolean NOT NULL DEFAULT false)")
        cur.execute("CREATE TABLE bare_ballots (id uuid PRIMARY KEY, answers jsonb NOT NULL)")
        buf = io.StringIO("".join(f"\\\\x{hashlib.sha256(t.encode()).hexdigest()}\tf\n" for t in bare))
        cur.copy_expert("COPY bare_tokens FROM STDIN", buf)
    conn.close()
    answers = {str(sids[0]): {str(o): "满意" for o in orgs[:3]} | {str(orgs[3]): "基本满意"},
               str(sids[2]): "希望进一步加强实验室开放。"}
    real_bodies = [json.dumps({"token": t, "answers": answers}).encode() for t in real]
    bare_bodies = [json.dumps({"token": t, "answers": answers}).encode() for t in bare]
    return real_bodies, bare_bodies, app.config["SETTINGS"].var_dir


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=5, help="each of the four measured runs")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=1, help="as `serve` runs by default")
    parser.add_argument("--max-rate", type=int, default=3000, help="ballots a second to prepare for")
    args = parser.parse_args()
    global THREADS
    THREADS = args.threads
    if shutil.which("wrk") is None:
        print("wrk is needed: `make bench` installs it (apt-get install wrk)", file=sys.stderr)
        return 2
    per_run = args.max_rate * args.seconds
    warm_seconds = 2
    dsn = fresh_database("pingyi_bench_cast")
    secret = secrets.token_urlsafe(40)
    total = per_run * 2 + args.max_rate * warm_seconds
    real_bodies, bare_bodies, var_dir = prepare(dsn, secret, total)
    env = {**os.environ, "DATABASE_URL": dsn, "SECRET_KEY": secret, "PINGYI_ENV": "test",
           "PINGYI_VAR_DIR": str(var_dir), "LOG_LEVEL": "WARNING", "PYTHONPATH": str(ROOT), "MIX_SECONDS": "0"}
    ports = {"real": free_port(), "bare": free_port()}
    procs = {"real": start("service:create_app()", env, args.workers, ports["real"]),
             "bare": start("bench.bare_app:app", env, args.workers, ports["bare"])}
    paths = {"real": "/api/v1/ballots:cast", "bare": "/cast"}
    pools = {"real": real_bodies, "bare": bare_bodies}
    runs = {"real": [], "bare": []}
    try:
        warm = args.max_rate * warm_seconds
        for side in ("real", "bare"):
            drive(ports[side], paths[side], pools[side][:warm], warm_seconds)
        for part, order in enumerate((("real", "bare"), ("bare", "real"))):  # alternate: drift hits both
            for side in order:
                chunk = pools[side][warm + part * per_run: warm + (part + 1) * per_run]
                result = drive(ports[side], paths[side], chunk, args.seconds)
                if result["non2xx"] or result["socket_errors"]:
                    log = open(procs[side].log_path).read()[-3000:]
                    raise RuntimeError(f"{side}: {result}\n{log}")
                runs[side].append(result)
    finally:
        for p in procs.values():
            p.terminate()
            p.wait(20)
    summary = {}
    for side, results in runs.items():
        summary[side] = {"votes_per_s": sum(r["requests"] for r in results) / sum(r["seconds"] for r in results),
                         "p50_ms": sum(r["p50_ms"] for r in results) / len(results),
                         "p99_ms": max(r["p99_ms"] for r in results)}
        print(f"{side}: {summary[side]['votes_per_s']:.0f} votes/s, p50 {summary[side]['p50_ms']:.1f} ms, "
              f"p99 {summary[side]['p99_ms']:.1f} ms (worse of two runs)", file=sys.stderr)
    ratio = summary["real"]["votes_per_s"] / summary["bare"]["votes_per_s"]
    ok = ratio >= 0.7 and summary["real"]["p99_ms"] < 100
    print(json.dumps({
        "seconds_per_run": args.seconds, "connections": CONNECTIONS, "workers": args.workers,
        "worker_class": WORKER_CLASS, "threads": THREADS,
        "votes_per_s": round(summary["real"]["votes_per_s"]), "p50_ms": round(summary["real"]["p50_ms"], 1),
        "p99_ms": round(summary["real"]["p99_ms"], 1),
        "bare_votes_per_s": round(summary["bare"]["votes_per_s"]), "bare_p50_ms": round(summary["bare"]["p50_ms"], 1),
        "bare_p99_ms": round(summary["bare"]["p99_ms"], 1), "ratio": round(ratio, 2),
        "targets": {"ratio_min": 0.7, "p99_ms_max": 100}, "ok": ok,
    }))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
