"""Anonymity by construction, tried as an operator with full database access would: the link
between a ballot and the token it came from is never written — not in the statement texts
`pg_stat_activity` shows, not in the write-ahead log, not in the table files (docs/voting.md).
The rest of the suite: test_anonymity_joins.py (tokens, hand-outs and cast positions chained
through the WAL), test_anonymity_activity.py (pg_stat_activity sampled), test_anonymity_dump.py
(a dump taken while voting is open, sequences), test_anonymity_time.py (every stored time, commit
times) and test_anonymity_wal.py (record sizes, TOAST, WAL record order)."""
from __future__ import annotations

import re
import subprocess
from collections import defaultdict
from pathlib import Path

import psycopg2
import psycopg2.extras
import pytest

from ballots.tokens import grouped

WALDUMP = Path(psycopg2.__file__).parent.parent / "pgserver" / "pginstall" / "bin" / "pg_waldump"


@pytest.fixture
def statements(monkeypatch):
    """Every statement text the service sends through a dict cursor (the request path's and the
    mixer's): what `pg_stat_activity` and a statement log would show."""
    sent = []
    real = psycopg2.extras.RealDictCursor.execute

    def execute(self, query, vars=None):
        try:
            return real(self, query, vars)
        finally:
            sent.append(self.query.decode("utf-8", "replace") if self.query else str(query))
    monkeypatch.setattr(psycopg2.extras.RealDictCursor, "execute", execute)
    return sent


def test_no_statement_on_the_voters_path_carries_a_ballot(client, full_campaign, statements, mix, conn):
    """What a cast sends is the token's hash (SHA-256 of its 80 random bits), a random id and the
    sealed ballot; what the mixer sends is rounds, groups and the random ids it deletes (the
    ballots themselves go by COPY, whose data no statement text holds). No answer, tracker or
    ballot id is ever in a statement, nor the token itself."""
    text = str(full_campaign.sections["text"])
    tokens = full_campaign.tokens(6)
    comments = [f"第{i}条：食堂饭菜太咸" for i in range(6)]
    receipts = []
    choose = str(full_campaign.sections["choose"])
    for i, (token, comment) in enumerate(zip(tokens, comments)):
        answers = {text: comment, choose: {"write_ins": [f"欧阳{i}号"]}}  # a write-in reaches the counts
        r = client.post("/api/v1/ballots:cast", json={"token": token, "answers": answers})
        assert r.status_code == 201
        receipts.append(r.get_json()["tracker"])
    mix()
    with conn.cursor() as cur:
        cur.execute("SELECT id::text AS id, tracker FROM ballots")
        ballots = cur.fetchall()
    conn.commit()
    assert len(ballots) == 6 and len(statements) > 20
    said = "\n".join(statements)
    # The record does hold the casts (prepared once a connection, then EXECUTEd with their values).
    assert said.count("pingyi_seal") >= 6 or said.count("INSERT INTO sealed_ballots") >= 6, said[:2000]
    for token, comment, receipt in zip(tokens, comments, receipts):
        assert token not in said and grouped(token) not in said
        assert comment not in said and "食堂" not in said and "欧阳" not in said
        assert receipt.replace("-", "") not in said.upper().replace("-", "")
    for b in ballots:
        assert b["id"] not in said and bytes(b["tracker"]).hex() not in said


def _relfilenodes(cur) -> dict[str, str]:
    """relfilenode → table name, a table's TOAST counted as the table."""
    cur.execute("""SELECT c.relfilenode::text AS node, c.relname AS name FROM pg_class c
                   WHERE c.relname IN ('ballots', 'ballot_tokens', 'sealed_ballots')
                   UNION ALL
                   SELECT t.relfilenode::text, c.relname FROM pg_class c JOIN pg_class t ON t.oid = c.reltoastrelid
                   WHERE c.relname IN ('ballots', 'ballot_tokens', 'sealed_ballots')""")
    return {r["node"]: r["name"] for r in cur.fetchall()}


def test_the_wal_never_holds_a_ballot_in_the_transaction_that_spent_its_token(
        client, full_campaign, organiser_key, database, mix):
    """pg_waldump over every WAL record from before the first cast to after the close: each
    transaction that deletes a token's hash writes no plaintext ballot, and every transaction that
    writes plaintext ballots is a mix of a crowd (k = 10: 15 of the teachers' 25 in one batch, the
    10 kept back at the close; the students returned 7 in all, so their batch is the whole group)."""
    admin = psycopg2.connect(database, cursor_factory=psycopg2.extras.RealDictCursor)
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute("SELECT pg_switch_wal()")
        cur.execute("SELECT pg_current_wal_lsn()::text AS lsn, current_setting('data_directory') AS data")
        start = cur.fetchone()
    teachers = full_campaign.tokens(25, group=0)
    students = full_campaign.tokens(7, group=1)
    for token in teachers + students:
        assert client.post("/api/v1/ballots:cast", json={"token": token, "answers": {}}).status_code == 201
    assert mix(k=10) == {"mixed": 15, "batches": 1, "keys_destroyed": []}  # the teachers' 25 but 10; the students' 7 wait
    assert client.post(f"/api/v1/campaigns/{full_campaign.id}/transitions", json={"to": "closed"},
                       headers=organiser_key).status_code == 200
    with admin.cursor() as cur:
        cur.execute("SELECT pg_switch_wal()")  # the records so far are in finished segments
        cur.execute("SELECT pg_current_wal_lsn()::text AS lsn")
        end = cur.fetchone()["lsn"]
        nodes = _relfilenodes(cur)
    admin.close()
    out = subprocess.run([str(WALDUMP), "--path", str(Path(start["data"]) / "pg_wal"), "--start", start["lsn"],
                          "--end", end, "--rmgr", "Heap", "--rmgr", "Heap2"],
                         capture_output=True, text=True, check=False)
    assert out.stdout.count("\n") > 50, out.stderr
    touched: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    record = re.compile(r"tx:\s+(\d+),.*desc: ([A-Z_0-9]+)(?:\+INIT)?(?: ntuples: (\d+))?.*?blkref #0: rel \d+/\d+/(\d+)")
    for line in out.stdout.splitlines():
        m = record.search(line)
        if m and m.group(4) in nodes and m.group(1) != "0":
            tx, op, n, table = m.group(1), m.group(2), int(m.group(3) or 1), nodes[m.group(4)]
            touched[tx][f"{table}:{op}"] += n
    spent = [tx for tx, ops in touched.items() if ops.get("ballot_tokens:DELETE")]
    writes = {tx: ops.get("ballots:INSERT", 0) + ops.get("ballots:MULTI_INSERT", 0) for tx, ops in touched.items()}
    assert len(spent) == 32  # one transaction a cast
    assert all(writes[tx] == 0 for tx in spent)  # none of them writes a ballot in the clear
    batches = sorted(n for n in writes.values() if n)
    # The mixer's crowd of 15; the close writes each group's last batch in its one transaction: the
    # teachers' 10 kept back and the students' 7 (all of them).
    assert batches == [15, 17], batches


def _tuple_headers(page_bytes: bytes) -> list[tuple[int, int]]:
    """(xmin, xmax) of every normal tuple in a heap file, read from its pages' line pointers:
    what someone holding the table files (or a base backup) reads without the database."""
    out = []
    for start in range(0, len(page_bytes), 8192):
        page = page_bytes[start:start + 8192]
        lower = int.from_bytes(page[12:14], "little")
        for lp in range(24, lower, 4):
            word = int.from_bytes(page[lp:lp + 4], "little")
            offset, flags, length = word & 0x7FFF, (word >> 15) & 0x3, word >> 17
            if flags == 1 and length >= 8:  # LP_NORMAL
                out.append((int.from_bytes(page[offset:offset + 4], "little"),
                            int.from_bytes(page[offset + 4:offset + 8], "little")))
    return out


def test_the_table_files_join_a_token_to_no_ballot(client, full_campaign, organiser_key, database, mix):
    """After casts, a mix and the close, read the heap files raw (after CHECKPOINT), dead row
    versions included: the transaction that deleted a token (the xmax of its dead version in
    ballot_tokens) is the xmin of no ballot; every ballot's xmin is shared by a whole batch of at
    least k of its group."""
    teachers, students = full_campaign.tokens(24, group=0), full_campaign.tokens(6, group=1)
    for token in teachers + students:
        assert client.post("/api/v1/ballots:cast", json={"token": token, "answers": {}}).status_code == 201
    assert mix(k=10)["mixed"] == 14  # the teachers' 24 but 10
    assert client.post(f"/api/v1/campaigns/{full_campaign.id}/transitions", json={"to": "closed"},
                       headers=organiser_key).status_code == 200
    conn = psycopg2.connect(database)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("CHECKPOINT")
        files = {}
        for table in ("ballot_tokens", "sealed_ballots", "ballots"):
            cur.execute("SELECT pg_read_binary_file(pg_relation_filepath(%s))", (table,))
            files[table] = _tuple_headers(bytes(cur.fetchone()[0]))
        cur.execute("SELECT xmin::text::bigint, group_id FROM ballots WHERE round_id = %s", (full_campaign.round,))
        live = cur.fetchall()
    conn.close()
    spent = {xmax for _, xmax in files["ballot_tokens"] if xmax}  # the casts' transactions
    assert len(spent) >= 30
    ballot_xmins = {xmin for xmin, _ in files["ballots"]}
    assert not spent & ballot_xmins  # no ballot was written by the transaction that spent its token
    batch_sizes = defaultdict(int)
    for xmin, group in live:
        batch_sizes[(xmin, group)] += 1
    assert sorted(batch_sizes.values()) == [6, 10, 14]  # the mixer's 14; at the close 10, and all 6 students
    assert all(n >= 10 or group == full_campaign.groups[1] for (_, group), n in batch_sizes.items())
