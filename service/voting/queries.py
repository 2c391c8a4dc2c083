"""SQL for casting and receipts. Functions take `cur` first and never commit."""
from __future__ import annotations

import io
import json

import psycopg2.extensions

from service.core.db import execute_prepared

# The cast path's two statements run prepared (service.core.db.execute_prepared): each $n appears
# once, in order (a connection from outside the pool runs them with %s in that order).
# A token is spent only while its campaign is open, and the campaign row stays locked FOR KEY
# SHARE to the end of the cast's transaction: a close (which locks the row FOR UPDATE before its
# last mix) waits for a cast in flight, whose sealed row is then stored before the close reads
# the sealed rows, and a cast that comes after the close finds the campaign closed and spends
# nothing. Casts' row locks do not conflict with one another, so a new cast would not queue
# behind a waiting close, and a steady stream of them could keep the close waiting for ever:
# each cast first takes the campaign's gate, an advisory lock, shared; the close takes it
# exclusively before the row (hold_casts), and PostgreSQL's lock queue makes later casts wait
# behind it.
_GATE = 0x70677947 << 32  # "pgyG", then the campaign id
_CONSUME = f"""WITH gate AS (SELECT p.id, pg_advisory_xact_lock_shared({_GATE} + p.id) AS held
                        FROM (SELECT $1::bigint AS id) p),
                open AS (SELECT c.id FROM gate, campaigns c WHERE c.id = gate.id AND c.state = 'open'
                         FOR KEY SHARE OF c)
              DELETE FROM ballot_tokens t USING open WHERE t.token_hash = $2 AND t.campaign_id = open.id
              RETURNING t.campaign_id, t.round_id, t.group_id"""
_SEAL = "INSERT INTO sealed_ballots (id, campaign_id, round_id, group_id, sealed) VALUES ($1, $2, $3, $4, $5)"


def round_campaign(cur, round_id):
    cur.execute("SELECT campaign_id FROM rounds WHERE id = %s", (round_id,))
    row = cur.fetchone()
    return row["campaign_id"] if row else None


def consume_token(cur, campaign_id, token_hash):
    """Use the token up if its campaign is open (see _CONSUME): the conditional DELETE decides,
    once, between concurrent casts. None when nothing was spent (used, voided, or not open)."""
    execute_prepared(cur, "pingyi_consume_token", "bigint, bytea", _CONSUME, (campaign_id, token_hash))
    return cur.fetchone()


def store_sealed(cur, sealed_id: bytes, campaign_id, round_id, group_id, sealed: bytes) -> None:
    """Store a sealed ballot, the cast's last statement (consume_token made sure the campaign is
    open and keeps it so): inside db.fused_transaction() the COMMIT rides with it."""
    execute_prepared(cur, "pingyi_seal", "bytea, bigint, bigint, bigint, bytea", _SEAL,
                     (sealed_id, campaign_id, round_id, group_id, sealed), last=True)


def hold_casts(cur, campaign_id) -> None:
    """The campaign's gate, exclusively, to the end of the transaction (see _SEAL)."""
    cur.execute("SELECT pg_advisory_xact_lock(%s)", (_GATE + int(campaign_id),))


def campaign_state(cur, campaign_id):
    cur.execute("SELECT state FROM campaigns WHERE id = %s", (campaign_id,))
    row = cur.fetchone()
    return row["state"] if row else None


def find_tracker(cur, round_id, short):
    """The ballot whose tracker starts with these 10 bytes (a range scan of the tracker index)."""
    cur.execute(
        """SELECT tracker FROM ballots
           WHERE tracker >= %s AND tracker < %s AND round_id = %s""",
        (short, _next_prefix(short), round_id),
    )
    return cur.fetchone()


def _next_prefix(prefix: bytes) -> bytes:
    """The smallest byte string above every string that starts with prefix."""
    data = bytearray(prefix)
    while data and data[-1] == 0xFF:
        data.pop()
    if not data:
        return b"\xff" * 33
    data[-1] += 1
    return bytes(data)


def count_ballots(cur, round_id):
    cur.execute("SELECT count(*) AS n FROM ballots WHERE round_id = %s", (round_id,))
    return cur.fetchone()["n"]


def list_trackers(cur, round_id, after=b"", limit=200):
    """Trackers of a round in order, those after the one whose receipt prefix is `after`."""
    after = _next_prefix(after) if after else b""
    cur.execute(
        """SELECT tracker FROM ballots
           WHERE round_id = %s AND tracker >= %s
           ORDER BY tracker
           LIMIT %s""",
        (round_id, after, limit),
    )
    return [bytes(r["tracker"]) for r in cur.fetchall()]


BALLOT_COLUMNS = "id, campaign_id, round_id, group_id, answers, tracker, source, tally"


# --- the mixer (service/voting/mixer.py) ------------------------------------------------------

def try_advisory_lock(cur, key: int) -> bool:
    cur.execute("SELECT pg_try_advisory_lock(%s) AS locked", (key,))
    return bool(cur.fetchone()["locked"])


def advisory_unlock(cur, key: int) -> None:
    cur.execute("SELECT pg_advisory_unlock(%s)", (key,))


def waiting_groups(cur, at_least: int = 1) -> list[dict]:
    """The (campaign, round, group)s of open campaigns with at least `at_least` sealed ballots."""
    cur.execute(
        """SELECT s.campaign_id, s.round_id, s.group_id, count(*) AS n
           FROM sealed_ballots s JOIN campaigns c ON c.id = s.campaign_id
           WHERE c.state = 'open'
           GROUP BY s.campaign_id, s.round_id, s.group_id HAVING count(*) >= %s""", (at_least,))
    return cur.fetchall()


def lock_open_campaign(cur, campaign_id) -> bool:
    """Hold the campaign open while a batch is mixed (a close waits); False if it is not open."""
    cur.execute("SELECT state FROM campaigns WHERE id = %s FOR SHARE", (campaign_id,))
    row = cur.fetchone()
    return row is not None and row["state"] == "open"


def campaign_groups(cur, campaign_id) -> list[dict]:
    """The (round, group)s of the campaign that have sealed ballots."""
    cur.execute("SELECT DISTINCT round_id, group_id FROM sealed_ballots WHERE campaign_id = %s", (campaign_id,))
    return cur.fetchall()


def take_sealed(cur, round_id, group_id) -> list[tuple[bytes, bytes]]:
    """(id, sealed) of the sealed ballots of a round and group, for the mix: one binary COPY (the
    ciphertext as it is stored, not twice its size in hex), parsed as it arrives. No row locks:
    only the mixer deletes sealed rows, always under the group's lock (lock_group), and rows
    cast meanwhile are simply not in this batch (FOR UPDATE wrote a WAL record a row: 0.5 s of
    100,000)."""
    rows = _SealedRows()
    cur.copy_expert(cur.mogrify("COPY (SELECT id, sealed FROM sealed_ballots WHERE round_id = %s AND group_id = %s) "
                                "TO STDOUT (FORMAT binary)", (int(round_id), int(group_id))), rows)
    if not rows.done:
        raise psycopg2.DataError("the binary COPY of sealed ballots ended early")
    return rows.rows


class _SealedRows:
    """A file COPY … (FORMAT binary) writes (id, sealed) rows to: its signature, flags and header
    extension, then rows of two fields (a 16-bit count, then a 32-bit length before each field),
    then -1 (PostgreSQL's documented format)."""

    def __init__(self):
        self.rows, self.done, self._buf, self._start = [], False, b"", None

    def write(self, data) -> None:
        buf = self._buf + bytes(data) if self._buf else bytes(data)
        pos, n, rows = 0, len(buf), self.rows
        if self._start is None:
            if n >= 11 and not buf.startswith(b"PGCOPY\n\xff\r\n\x00"):
                raise psycopg2.DataError("not a binary COPY")
            if n < 19 or n < 19 + int.from_bytes(buf[15:19], "big"):  # the header, not yet whole
                self._buf = buf
                return
            pos = self._start = 19 + int.from_bytes(buf[15:19], "big")
        while pos + 2 <= n:
            fields = int.from_bytes(buf[pos:pos + 2], "big", signed=True)
            if fields == -1:
                self.done, pos = True, pos + 2
                break
            if fields != 2:
                raise psycopg2.DataError("a row of the binary COPY of sealed ballots has not two fields")
            first = int.from_bytes(buf[pos + 2:pos + 6], "big") if pos + 6 <= n else n
            second = int.from_bytes(buf[pos + 6 + first:pos + 10 + first], "big") if pos + 10 + first <= n else n
            end = pos + 10 + first + second
            if end > n:  # the rest of the row comes with the next write
                break
            rows.append((buf[pos + 6:pos + 6 + first], buf[pos + 10 + first:end]))
            pos = end
        self._buf = buf[pos:]


def lock_group(cur, round_id, group_id) -> None:
    """Held to the end of the batch's transaction: two mixers never batch one group at once."""
    cur.execute("SELECT pg_advisory_xact_lock(%s, %s)", (int(round_id) & 0x7FFFFFFF, int(group_id) & 0x7FFFFFFF))


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_field(value) -> str:
    """A value in COPY's text format."""
    if value is None:
        return "\\N"
    if isinstance(value, (bytes, memoryview)):
        return "\\\\x" + bytes(value).hex()
    if isinstance(value, (dict, list)):  # a ballot taken out to be mixed again
        value = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return str(value).translate(_COPY_ESCAPES)  # text, and JSON text: the mixer's answers


def _copy_text(text: bytes) -> bytes:
    """UTF-8 text (the mixer's answers, JSON as it was sealed) in COPY's text format."""
    if b"\\" in text:
        text = text.replace(b"\\", b"\\\\")
    if b"\t" in text or b"\n" in text or b"\r" in text:  # JSON allows them between its tokens
        text = text.replace(b"\t", b"\\t").replace(b"\n", b"\\n").replace(b"\r", b"\\r")
    return text


def _ballot_line(row: tuple) -> bytes:
    """A row in BALLOT_COLUMNS' order as a line of COPY's text format. Answers are JSON text
    (bytes, as the mixer opened them) or a dict; the counter an int, its decimal text or None."""
    i, c, r, g, answers, tracker, source, tally = row
    if isinstance(answers, bytes):
        answers = _copy_text(answers)
    else:
        answers = _copy_field(answers).encode("utf-8")
    tally = b"\\N" if tally is None else tally if isinstance(tally, bytes) else b"%d" % tally
    return b"%s\t%d\t%d\t%d\t%s\t\\\\x%s\t%s\t%s\n" % (
        i if isinstance(i, bytes) else str(i).encode("ascii"), c, r, g, answers, bytes(tracker).hex().encode("ascii"),
        _copy_field(source).encode("utf-8"), tally)


class _Lines:
    """The file COPY FROM STDIN reads: lines pulled from an iterable as the server asks for them,
    so that making the rows (the mixer opens each ballot as its line is needed) and the server's
    writing them run side by side."""

    def __init__(self, lines):
        self._lines = iter(lines)

    def read(self, size: int = 65536) -> bytes:
        parts, n = [], 0
        for line in self._lines:
            parts.append(line)
            n += len(line)
            if n >= size:
                break
        return b"".join(parts)


def insert_ballots(cur, rows) -> None:
    """Write plaintext ballots (tuples in BALLOT_COLUMNS' order) in the order given — the mixer's
    shuffle — with one COPY, streamed: `rows` may be a generator, consumed as the data is sent."""
    cur.copy_expert(f"COPY ballots ({BALLOT_COLUMNS}) FROM STDIN", _Lines(_ballot_line(r) for r in rows), size=65536)


def delete_sealed(cur, ids: list[bytes]) -> int:
    cur.execute("DELETE FROM sealed_ballots WHERE id = ANY(%s)", (ids,))
    return cur.rowcount


def sealed_per_group(cur, round_id) -> dict:
    cur.execute("SELECT group_id, count(*) AS n FROM sealed_ballots WHERE round_id = %s GROUP BY group_id",
                (round_id,))
    return {r["group_id"]: r["n"] for r in cur.fetchall()}


def spent_keys(cur, round_ids) -> list[int]:
    """Of these rounds, those whose campaign is past voting: their keys may go. The close mixed
    every sealed ballot that opens in its own transaction, so a sealed row still there does not
    open with the key (results count it as unopened), and keeping the key would only keep
    forward secrecy away."""
    cur.execute(
        """SELECT r.id FROM rounds r JOIN campaigns c ON c.id = r.campaign_id
           WHERE r.id = ANY(%s) AND c.state NOT IN ('draft', 'announced', 'open')""", (list(round_ids),))
    return [r["id"] for r in cur.fetchall()]


def campaign_round_ids(cur, campaign_id) -> list[int]:
    cur.execute("SELECT id FROM rounds WHERE campaign_id = %s", (campaign_id,))
    return [r["id"] for r in cur.fetchall()]


def counts_for_update(cur, round_id, group_id) -> dict | None:
    """The group's counts record (ballots/counts.py), locked until the batch commits."""
    cur.execute("SELECT counts FROM ballot_counts WHERE round_id = %s AND group_id = %s FOR UPDATE",
                (round_id, group_id))
    row = cur.fetchone()
    return row["counts"] if row else None


def put_counts(cur, round_id, group_id, record: dict) -> None:
    """Store the group's counts. The record (write-ins, choices, sums) goes by COPY, whose data is
    in no statement text `pg_stat_activity` or a statement log would show."""
    cur.execute("CREATE TEMPORARY TABLE IF NOT EXISTS new_counts (LIKE ballot_counts) ON COMMIT DELETE ROWS")
    data = io.StringIO(f"{int(round_id)}\t{int(group_id)}\t{_copy_field(record)}\n")
    cur.copy_expert("COPY new_counts (round_id, group_id, counts) FROM STDIN", data)
    cur.execute("""INSERT INTO ballot_counts (round_id, group_id, counts) SELECT round_id, group_id, counts FROM new_counts
                   ON CONFLICT (round_id, group_id) DO UPDATE SET counts = EXCLUDED.counts""")
    cur.execute("DELETE FROM new_counts")
