"""Timestamps (issue 10): every time the database holds, in any column of any table (typed or
written inside text and JSON), and the commit times pg_waldump prints. No stored time falls inside
any cast's wall-clock window, a cast writes no row that has a time, and the only transactions that
write ballots are batches of at least k of a group (or the whole group): the finest time a ballot
gets is its batch's commit (docs/voting.md)."""
from __future__ import annotations

import datetime as dt
import math
import random
import re
import time
from collections import defaultdict

from tests.helpers import assert_one_in_k, open_voting, superuser, wal_chain, wal_mark, wal_since
from tests.polling import wait_until

K = 10
TIME_TYPES = {"timestamptz", "timestamp", "date"}
OTHER_TIME_TYPES = {"time", "timetz", "interval", "abstime", "reltime"}
# An ISO date and time as PostgreSQL or Python writes it, in text, JSON or a row's text form.
ISO = re.compile(r"(\d{4}-\d\d-\d\d)[ T](\d\d:\d\d:\d\d(?:\.\d+)?)(Z|[+-]\d\d(?::?\d\d)?)?")
EPOCH = re.compile(r"(?<![\d.])(1\d{9}(?:\.\d+)?|1\d{12}|1\d{15})(?![\d.])")  # seconds, ms, µs


def _second_clear_of_casts(v) -> None:
    """The audit log and the checkpoints keep times to the second, written as its start, so an event
    just after a cast whose window holds that start (a pool refill, the mix, the close) is written
    as a time inside the cast. Hours lie between them in a real round; here, when the current
    second's start is inside a cast's window, the next event waits for the next second."""
    def clear():
        start = math.floor(time.time())
        return not any(a <= start <= b for a, b in (c.window for c in v.casts))
    wait_until(clear, "a second whose start is in no cast's window", every=0.01)


def _run(v, rng, mix, organiser_key) -> None:
    """Casts of both groups, hand-outs between them in windows of their own; a mix; the close."""
    printed = {0: v.tokens(24, 0), 1: v.tokens(6, 1)}
    for i in range(30):
        group = 1 if i % 5 == 4 else 0
        if i % 3 == 0:
            _second_clear_of_casts(v)
            token, via = v.handout(f"ref{i}", group), "handout"
        else:
            token, via = printed[group].pop(), "print"
        v.cast(token, v.answers(i, rng), group, via=via)
    _second_clear_of_casts(v)
    assert mix(k=K)["mixed"] == 14
    v.close(organiser_key)


def _time_columns(cur) -> list[tuple[str, str, str]]:
    """(table, column, type) of every column of a time type in the public schema; an array's
    type is its element's with a leading underscore."""
    cur.execute("""SELECT c.table_name, c.column_name, c.udt_name FROM information_schema.columns c
                   JOIN information_schema.tables t USING (table_schema, table_name)
                   WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE'
                     AND ltrim(c.udt_name, '_') = ANY(%s)""", (sorted(TIME_TYPES | OTHER_TIME_TYPES),))
    return cur.fetchall()


def _stored_times(cur) -> list[tuple[str, float]]:
    """(where, seconds since the epoch) of every time value in every column of a time type (a date
    as its midnight), the elements of arrays too."""
    found = []
    for table, column, kind in _time_columns(cur):
        assert kind.lstrip("_") in TIME_TYPES, (table, column, kind)  # a type this test would have to learn
        value = f'unnest("{column}")' if kind.startswith("_") else f'"{column}"'
        cur.execute(f'SELECT extract(epoch FROM x::timestamptz)::float8 FROM (SELECT {value} AS x FROM "{table}") s '
                    "WHERE x IS NOT NULL")
        found += [(f"{table}.{column}", t) for (t,) in cur.fetchall()]
    return found


def _written_times(cur) -> list[tuple[str, float]]:
    """Times written anywhere in any row, in its text form: ISO dates and times, and numbers that
    read as seconds, milliseconds or microseconds since the epoch."""
    cur.execute("SET TimeZone = 'UTC'")
    cur.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
    found = []
    for (table,) in cur.fetchall():
        cur.execute(f'SELECT t::text FROM "{table}" t')
        for (row,) in cur.fetchall():
            for day, clock, zone in ISO.findall(row):
                zone = "+00:00" if zone in ("", "Z") else zone + (":00" if len(zone) == 3 else "")
                found.append((table, dt.datetime.fromisoformat(f"{day}T{clock}{zone}").timestamp()))
            for number in EPOCH.findall(row):
                value = float(number)
                found.append((table, value / (1e3 if value > 1e12 else 1) / (1e3 if value > 1e15 else 1)))
    return found


def test_no_time_anywhere_falls_inside_a_cast(client, organiser_key, make_key, database, mix):
    """30 casts in sequence, each with its window [just before the request, just after its answer],
    hand-outs between them (which may record their own times: the pool's refill does). Every value
    of every timestamp and date column, and every time written in any row's text, is outside every
    cast's window; the ballot tables have no time column at all; and what a cast writes (read off
    the WAL) is a sealed row and nothing else."""
    v, rng = open_voting(client, organiser_key, make_key("handout")), random.Random(30)
    admin = superuser(database)
    with admin.cursor() as cur:
        mark = wal_mark(cur)
    _run(v, rng, mix, organiser_key)
    with admin.cursor() as cur:
        records = wal_since(cur, mark)
        columns = _time_columns(cur)
        stored, written = _stored_times(cur), _written_times(cur)
        cur.execute("SELECT extract(epoch FROM created_at)::float8 FROM batches WHERE kind = 'handout'")
        refills = [t for (t,) in cur.fetchall()]
    admin.close()
    assert not {t for t, _, _ in columns} & {"ballots", "sealed_ballots", "ballot_counts", "handouts", "ballot_tokens"}
    windows = [c.window for c in v.casts]
    assert len(windows) == 30 and all(a < b for a, b in windows)
    assert len(stored) > 20 and len(written) >= len(stored) // 2  # the search does find times
    for where, t in stored + written:
        assert not any(a <= t <= b for a, b in windows), (where, t)
    # The clocks agree and the windows are real: the pool's refill is dated inside the hand-out's.
    first_handout = v.handouts[0]
    assert len(refills) == 2 and first_handout[1] <= min(refills) <= first_handout[2]
    cast_xids = {r.xid for r in records if r.rel == "ballot_tokens" and r.op == "DELETE"}
    assert len(cast_xids) == 30
    # (Its reads may prune dead versions from a page, a catalog's too: PRUNE writes no row.)
    writes = {(r.rel, r.op) for r in records if r.xid in cast_xids and r.rmgr in ("Heap", "Heap2")}
    rows = {rel for rel, op in writes if op in ("INSERT", "MULTI_INSERT", "UPDATE", "HOT_UPDATE", "INPLACE")}
    assert rows == {"sealed_ballots"}, writes  # the ciphertext in its row (migration 0019)
    assert {rel for rel, op in writes if op == "DELETE"} == {"ballot_tokens"}
    assert {rel for rel, op in writes if op == "LOCK"} <= {"campaigns", "rounds", "voter_groups"}


def test_a_ballot_is_dated_no_finer_than_its_batch(client, organiser_key, make_key, database, mix):
    """The commit records pg_waldump prints date every transaction. Commit timestamps are off (no
    pg_xact_commit_timestamp(xmin) for a row); the transactions that write ballots are the mixer's
    batch and the close's, each at least k of a group or the whole group; every ballot's insert
    is in one of them, so the time a ballot can be given is its batch's commit, shared by the batch."""
    v, rng = open_voting(client, organiser_key, make_key("handout")), random.Random(31)
    admin = superuser(database)
    with admin.cursor() as cur:
        cur.execute("SHOW track_commit_timestamp")
        assert cur.fetchone()[0] == "off"
        mark = wal_mark(cur)
    _run(v, rng, mix, organiser_key)
    with admin.cursor() as cur:
        records = wal_since(cur, mark)
        cur.execute("SELECT xmin::text::bigint, group_id, tracker FROM ballots WHERE round_id = %s", (v.round,))
        ballots = cur.fetchall()
    admin.close()
    commits = {r.xid: r.commit_time for r in records if r.commit_time}
    written = defaultdict(int)  # ballots written by each transaction, from its heap inserts
    for r in records:
        if r.rel == "ballots" and r.op in ("INSERT", "MULTI_INSERT"):
            m = re.search(r"ntuples: (\d+)", r.rest)
            written[r.xid] += int(m.group(1)) if m else 1
    assert sorted(written.values()) == [14, 16], written  # the mixer's 14; the close's 10 and the 6 students
    assert all(x in commits for x in written)
    # Each ballot's time is its batch's commit: the casts that time leaves possible are those whose
    # sealed rows that transaction deleted (the whole batch), read off the same WAL.
    _, batches = wal_chain(records)
    assert set(batches) == set(written)  # the transactions that write ballots open sealed rows, and no other
    groups = {c.position: c.group for c in v.casts}
    at_time = defaultdict(set)
    for xid, positions in batches.items():
        for p in positions:
            at_time[(commits[xid], groups[p])].add(p)
    assert sorted(len(s) for s in at_time.values()) == [6, 10, 14]
    truth = {bytes(t): v.cast_of_tracker(t).position for _, _, t in ballots}
    crowds = {bytes(t): at_time[(commits[x], v.groups.index(g))] for x, g, t in ballots}
    assert_one_in_k(crowds, truth, groups, K, "a ballot's commit time → the casts it leaves possible")
