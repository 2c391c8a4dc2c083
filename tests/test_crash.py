"""The crash test (issue 10): under a load of casts on the real server, kill -9 a web worker, the mixer mid-batch
and the PostgreSQL postmaster, and start them again: every ballot whose cast got a 2xx is in the tally exactly once,
the spent tokens are the ballots, and the stored counts are a recount. It kills a PostgreSQL of its own, and is the
subreaper of its children: the postmaster pg_ctl leaves, and its backends once it is killed, are its to reap (PID 1
of a container may not, and a zombie postmaster still answers `kill -0`: PostgreSQL would refuse to start)."""
from __future__ import annotations

import collections
import contextlib
import ctypes
import hashlib
import http.client
import json
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import types
import urllib.error
import urllib.request

import psutil
import psycopg2
import psycopg2.extras
import pytest

from ballots import forms, sealing
from ballots import tokens as tk
from service.core import embedded_pg, migrate
from service.voting import round_keys
from tests.conftest import ROOT, wait_until_ready
from tests.polling import wait_until, waiting_on_lock

pytestmark = pytest.mark.slow
K, STEP, TOKENS, THREADS = 10, 120, 1500, 6  # MIX_K; casts acknowledged between crashes; tokens a group; voters


def _subreaper(on: bool) -> None:
    libc = ctypes.CDLL(None, use_errno=True)  # 36: prctl(PR_SET_CHILD_SUBREAPER)
    assert libc.prctl(36, int(on), 0, 0, 0) == 0, os.strerror(ctypes.get_errno())


def _postgres_children() -> list[psutil.Process]:  # this process's live ones; the dead are reaped
    live = []
    for p in psutil.Process().children():
        with contextlib.suppress(psutil.NoSuchProcess, ChildProcessError):
            if p.name() == "postgres" and p.status() == psutil.STATUS_ZOMBIE:
                os.waitpid(p.pid, 0)
            elif p.name() == "postgres":
                live.append(p)
    return live


def sql(dsn, statement, params=()) -> list[dict] | None:  # in a transaction of its own
    with psycopg2.connect(dsn, cursor_factory=psycopg2.extras.RealDictCursor) as c, c.cursor() as cur:
        cur.execute(statement, params)
        rows = cur.fetchall() if cur.description else None
    c.close()
    return rows


class Postgres:
    """PostgreSQL 16 in tmp/pgdata, migrated; restart() is pg_ctl start on a stale postmaster.pid (crash recovery)."""

    def __init__(self, tmp):
        self.pgdata = (tmp / "pgdata").resolve()
        self.dsn = embedded_pg.ensure(tmp, database="pingyi_crash", cleanup_mode="delete")
        self.server = sys.modules["pgserver"].get_server(self.pgdata)  # imported, its warnings filtered, by ensure
        self.restart, self.stop = self.server.ensure_postgres_running, self.server.cleanup
        with psycopg2.connect(self.dsn) as conn:
            migrate.migrate(conn)
        conn.close()

    def kill(self) -> None:  # kill -9 of the postmaster
        pid = int((self.pgdata / "postmaster.pid").read_text().split()[0])
        assert psutil.Process(pid).ppid() == os.getpid(), "the postmaster is not this process's to reap"
        os.kill(pid, signal.SIGKILL)  # its backends see it die and exit; only then may another start
        wait_until(lambda: not _postgres_children(), "the killed postmaster's processes to exit", timeout=60)


class Server:
    """`python -m service serve`: 2 gthread workers of 4 threads, no mixing thread (MIX_SECONDS=0)."""

    def __init__(self, dsn, tmp):
        with socket.create_server(("127.0.0.1", 0)) as s:
            port = s.getsockname()[1]
        self.url, self.log_path, self.var_dir = f"http://127.0.0.1:{port}", tmp / "server.log", tmp / "var"
        self.env = {**os.environ, "DATABASE_URL": dsn, "SECRET_KEY": os.urandom(30).hex(), "PINGYI_ENV": "test",
                    "PINGYI_VAR_DIR": str(self.var_dir), "BASE_URL": self.url, "MIX_SECONDS": "0", "MIX_K": str(K)}
        with open(self.log_path, "w") as log:
            self.proc = subprocess.Popen([sys.executable, "-m", "service", "serve", "--no-demo", "--port", str(port),
                                          "--workers", "2", "--worker-class", "gthread", "--threads", "4"],
                                         cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        wait_until_ready(self.proc, self.url, self.log_path)

    def workers(self) -> list[psutil.Process]:
        return psutil.Process(self.proc.pid).children()  # a killed one until the master has reaped it


def call(url, body=None, headers=None, method="POST"):  # OSError or HTTPException: the connection failed or was cut
    req = urllib.request.Request(url, data=None if body is None else json.dumps(body).encode(), method=method,
                                 headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        with e:
            return e.code, json.loads(e.read() or b"null")


def open_campaign(server, dsn) -> types.SimpleNamespace:
    """An open campaign of two voter groups, made over the API with an organiser's key, and TOKENS ballots
    a group, minted and stored as issuance does (their PDF is tested elsewhere), the groups' interleaved."""
    from service import create_app
    from service.accounts.auth import new_api_key
    from service.core.config import Settings
    from service.core.keys import keys
    secret, prefix, key_hash = new_api_key()
    sql(dsn, "INSERT INTO api_keys (name, prefix, key_hash, scopes) VALUES ('crash', %s, %s, %s)",
        (prefix, key_hash, ["organise"]))
    key = {"Authorization": f"Bearer {secret}"}

    def api(path, body):
        status, out = call(f"{server.url}/api/v1/campaigns{path}", body, key)
        assert status in (200, 201), out
        return out["id"]
    cid = api("", {"title": "2026 年度师生测评", "description": "崩溃测试"})
    groups = [api(f"/{cid}/groups", {"name": n, "weight": w, "criteria": "比教学"}) for n, w in (("教师", .6), ("学生", .4))]
    p = [api(f"/{cid}/subjects", {"name": n, "kind": "person", "category": "党员", "unit": "护理系"}) for n in "甲乙丙"]
    rid = api(f"/{cid}/rounds", {"title": "师生测评", "kind": "evaluation"})
    s = [str(api(f"/{cid}/sections", {"round_id": rid, **sec})) for sec in (
        {"type": "choose", "title": "推荐优秀党员", "config": {"category": "党员", "max_choices": 2, "write_ins": True}},
        {"type": "approve", "title": "同意确定为考察对象", "subject_ids": p[:2]},
        {"type": "score", "title": "量化打分", "subject_ids": p})]
    for state in ("announced", "open"):
        api(f"/{cid}/transitions", {"to": state})
    answers = [{}, {s[0]: {"chosen": [p[0], p[1]]}, s[1]: {str(p[0]): "赞成"}, s[2]: {str(p[0]): 92, str(p[1]): 85}},
               {s[0]: {"write_ins": ["赵静"]}, s[1]: {str(p[1]): "不赞成"}, s[2]: {str(p[2]): 61.5}}]
    with create_app({"SETTINGS": Settings.from_env(server.env)}).app_context():
        minter, key_id, minted = keys().minter, keys().key_id, []
    for g in groups:
        minted.append(minter.mint_many(rid, TOKENS))
        sql(dsn, """WITH b AS (INSERT INTO batches (campaign_id, round_id, group_id, kind, layout, size, created_by, key_id)
                               VALUES (%(c)s, %(r)s, %(g)s, 'print', 'slips-3x6', %(n)s, 'test', %(key)s) RETURNING id)
                    INSERT INTO ballot_tokens (token_hash, campaign_id, round_id, group_id, batch_id)
                    SELECT h, %(c)s, %(r)s, %(g)s, b.id FROM b, unnest(%(hashes)s::bytea[]) h""",
            {"c": cid, "r": rid, "g": g, "n": TOKENS, "key": key_id, "hashes": [tk.token_hash(t) for t in minted[-1]]})
    return types.SimpleNamespace(id=cid, round=rid, groups=groups, answers=answers, key=key,
                                 tokens=[t for pair in zip(*minted) for t in pair])


class Load:
    """Voters casting from THREADS threads, a token each: a cast refused with 503 or whose connection failed is
    tried again once `up` is set, as a voter would; each attempt kept: (201, receipt), (status, code), ("cut", …)."""

    def __init__(self, url, tokens, answers):
        self.url, self.todo, self.lock = url + "/api/v1/ballots:cast", queue.SimpleQueue(), threading.Lock()
        for i, t in enumerate(tokens):
            self.todo.put((t, answers[i % len(answers)]))
        self.attempts, self.acked, self.up, self.stop = collections.defaultdict(list), {}, threading.Event(), threading.Event()
        self.up.set()
        self.threads = [threading.Thread(target=self._run, daemon=True) for _ in range(THREADS)]
        for t in self.threads:
            t.start()

    def _run(self) -> None:
        while not self.stop.is_set():
            try:
                token, answers = self.todo.get_nowait()
            except queue.Empty:
                return
            for _ in range(30):
                try:
                    status, body = call(self.url, {"token": token, "answers": answers})
                    outcome = (status, body["tracker"] if status == 201 else (body or {}).get("error", {}).get("code"))
                except (OSError, http.client.HTTPException, ValueError) as exc:
                    outcome = ("cut", type(exc).__name__)
                with self.lock:
                    self.attempts[token].append(outcome)
                    self.acked.update({token: outcome[1]} if outcome[0] == 201 else {})
                if outcome[0] not in (503, "cut") or not self.up.wait(120) or self.stop.is_set():
                    break

    def until(self, n: int) -> None:
        wait_until(lambda: len(self.acked) >= n, f"{n} casts acknowledged", timeout=180)

    def finish(self) -> None:
        self.stop.set()
        self.up.set()
        for t in self.threads:
            t.join(120)


LEDGER = """SELECT (SELECT sum(size) FROM batches) - (SELECT count(*) FROM ballot_tokens)
                   - (SELECT count(*) FROM voided_tokens) AS spent,
                   (SELECT count(*) FROM sealed_ballots) AS sealed, (SELECT count(*) FROM ballots) AS mixed,
                   (SELECT coalesce(sum((counts->>'ballots')::int), 0) FROM ballot_counts) AS counted"""


def ledger(dsn, var_dir) -> dict:
    """At any instant, under load too (one snapshot; a cast commits whole): every spent token is a ballot sealed or
    mixed, never neither; the counts count the mixed; no sealed ballot (opened with its key) is mixed as well."""
    row, mixed = sql(dsn, LEDGER)[0], {bytes(r["tracker"]) for r in sql(dsn, "SELECT tracker FROM ballots")}
    sealed = sql(dsn, "SELECT round_id, group_id, sealed FROM sealed_ballots")  # (no mixer runs meanwhile)
    assert row["spent"] == row["sealed"] + row["mixed"] and row["counted"] == row["mixed"], row
    both = [s for s in sealed if hashlib.sha256(sealing.open_sealed(
        round_keys.load(var_dir, s["round_id"]), s["round_id"], s["group_id"], bytes(s["sealed"]))).digest() in mixed]
    assert not both, f"{len(both)} ballots are both sealed and mixed"
    return row


MIX = [sys.executable, "-m", "service", "mix"]


def mix(server) -> int:  # `python -m service mix`, to its end: the ballots it mixed
    r = subprocess.run(MIX, cwd=ROOT, env=server.env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and r.stdout.startswith("mixed "), r.stdout + r.stderr
    return int(r.stdout.split()[1])


def kill_the_mixer_mid_batch(server, dsn) -> None:
    """The mixer is held, by a lock this test takes on ballot_counts, once its batch has written its
    ballots and deleted their sealed rows, before it adds their counts and commits: kill -9 then."""
    cur = (hold := psycopg2.connect(dsn)).cursor()
    cur.execute("LOCK TABLE ballot_counts IN EXCLUSIVE MODE")
    try:
        with subprocess.Popen(MIX, cwd=ROOT, env=server.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True) as mixer:
            def held():
                if mixer.poll() is not None:
                    pytest.fail("the mixer ended: " + mixer.stdout.read())
                return waiting_on_lock(dsn, "relation", "pingyi-mixer")
            try:
                wait_until(held, "the mixer to wait for ballot_counts, its batch written")
                cur.execute("""SELECT DISTINCT c.relname FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
                               JOIN pg_stat_activity a ON a.pid = l.pid AND a.application_name = 'pingyi-mixer'
                               WHERE l.mode = 'RowExclusiveLock' AND l.granted""")  # what it has written to
                assert {r[0] for r in cur.fetchall()} >= {"ballots", "sealed_ballots"}
            finally:
                mixer.kill()  # SIGKILL
            assert mixer.wait(30) == -signal.SIGKILL
    finally:
        hold.close()  # its lock goes: the killed mixer's backend takes it, finds its client gone, rolls back
    wait_until(lambda: not sql(dsn, "SELECT 1 FROM pg_stat_activity WHERE application_name = 'pingyi-mixer'"),
               "the killed mixer's backend to end")


def kill_a_worker(server) -> None:
    """kill -9 a gunicorn worker with a request in hand (a client's connection open); the master starts another."""
    def busy():
        for w in server.workers():
            with contextlib.suppress(psutil.NoSuchProcess):
                if any(c.status == psutil.CONN_ESTABLISHED for c in w.net_connections("tcp")):
                    return w.pid
    victim = wait_until(busy, "a worker with a request in hand")
    os.kill(victim, signal.SIGKILL)
    wait_until(lambda: len(pids := {w.pid for w in server.workers()}) == 2 and victim not in pids,
               "a worker in the killed one's place", timeout=60)


def settle(load, dsn) -> int:
    """Each token's fate agrees with what its voter was told: acknowledged once, and spent; refused as used, or spent
    unacknowledged, only after a cast whose answer was lost, never one told 503; unspent if never cast."""
    unspent, lost = {bytes(r["token_hash"]) for r in sql(dsn, "SELECT token_hash FROM ballot_tokens")}, 0
    for token, attempts in load.attempts.items():
        statuses, spent = [s for s, _ in attempts], tk.token_hash(token) not in unspent
        assert set(statuses) <= {201, 409, 503, "cut"} and statuses.count(201) + statuses.count(409) <= 1, attempts
        if 201 in statuses:
            assert statuses[-1] == 201 and spent, attempts
        elif spent:
            assert "cut" in statuses, f"spent, though its voter was told {attempts}"
            assert 409 not in statuses or attempts[-1][1] == "ballot_used", attempts
            lost += 1
        else:
            assert 409 not in statuses, attempts
    while not load.todo.empty():
        assert tk.token_hash(load.todo.get()[0]) in unspent, "a token nobody cast is spent"
    return lost


def audit(server, dsn, campaign, load, lost) -> None:
    """After the close: nothing sealed, a ballot for every spent token, each acknowledged receipt
    exactly once, the round's key destroyed, and the stored counts are what a recount says."""
    from ballots.counts import counts_from_ballots
    from service.results.queries import count_round, stored_counts
    row = ledger(dsn, server.var_dir)
    assert row["sealed"] == 0 and row["mixed"] == row["spent"] == len(load.acked) + lost, (row, len(load.acked), lost)
    assert round_keys.load(server.var_dir, campaign.round) is None
    base = f"{server.url}/api/v1/campaigns/{campaign.id}"
    (status, definition), (_, results) = (call(base + path, headers=campaign.key, method="GET")
                                          for path in ("", f"/rounds/{campaign.round}/results"))
    assert status == 200 and results["ballots"] == row["mixed"], (definition, results)
    sections = forms.build_form(definition, campaign.round, None)
    with psycopg2.connect(dsn, cursor_factory=psycopg2.extras.RealDictCursor) as c, c.cursor() as cur:
        cur.execute("SELECT group_id, answers, tracker FROM ballots WHERE round_id = %s", (campaign.round,))
        ballots = cur.fetchall()
        stored = stored_counts(cur, campaign.round)
        by_sql = count_round(cur, campaign.round, sections, lambda g: forms.build_form(definition, campaign.round, g))
    c.close()
    receipts = collections.Counter(forms.short_tracker(bytes(b["tracker"])) for b in ballots)
    assert [t for t in load.acked.values() if receipts[t] != 1] == [], "acknowledged ballots not tallied once"
    seen = lambda c: [dict(getattr(c, n)) for n in ("ballots", "options", "chosen", "write_ins")] + \
        [{k: (a.n, a.total, a.low, a.high) for k, a in c.scores.items()}]
    assert seen(stored) == seen(counts_from_ballots(ballots)) == seen(by_sql)


@pytest.fixture
def crash(tmp_path):
    with contextlib.ExitStack() as undo:
        _subreaper(True)
        undo.callback(_subreaper, False)
        pg = Postgres(tmp_path / "pg")
        undo.callback(_postgres_children)  # reaps the stopped postmaster
        undo.callback(pg.stop)  # pg_ctl stop, the data deleted
        server = Server(pg.dsn, tmp_path)
        undo.callback(server.proc.wait, 30)
        undo.callback(server.proc.terminate)
        yield types.SimpleNamespace(pg=pg, server=server, campaign=open_campaign(server, pg.dsn))


def test_kill_9_during_a_cast_load_loses_no_acknowledged_ballot(crash):
    pg, server, campaign = crash.pg, crash.server, crash.campaign
    load = Load(server.url, campaign.tokens, campaign.answers)
    try:
        load.until(STEP)
        kill_a_worker(server)
        load.until(2 * STEP)
        assert mix(server) > 0  # a batch that commits: ballot_counts has rows to add to
        wait_until(lambda: sql(pg.dsn, "SELECT 1 FROM sealed_ballots GROUP BY group_id HAVING count(*) >= %s", (2 * K,)),
                   "a group with 2k sealed ballots waiting")
        kill_the_mixer_mid_batch(server, pg.dsn)
        ledger(pg.dsn, server.var_dir)  # nothing half-written
        assert mix(server) > 0  # the next pass takes up what the killed one left
        load.until(3 * STEP)
        load.up.clear()  # a voter refused from here on tries again once the database is back
        pg.kill()
        pg.restart()
        wait_until_ready(server.proc, server.url, server.log_path)
        load.up.set()
        ledger(pg.dsn, server.var_dir)  # recovered whole
        load.until(4 * STEP)
    finally:
        load.finish()
    lost = settle(load, pg.dsn)
    assert (r := call(f"{server.url}/api/v1/campaigns/{campaign.id}/transitions", {"to": "closed"}, campaign.key))[0] == 200, r
    audit(server, pg.dsn, campaign, load, lost)
