"""SQL for casting and receipts. Functions take `cur` first and never commit."""
from __future__ import annotations

import io
import json

import psycopg2.extensions

from service.core.db import execute_prepared

# The cast path's two statements run prepared (service.core.db.execute_prepared): each $n appears
# once, in order (a connection from outside the pool runs them with %s in that order).
_CONSUME = "DELETE FROM ballot_tokens WHERE token_hash = $1 RETURNING campaign_id, round_id, group_id"
# A sealed ballot is stored only while its campaign is open. FOR KEY SHARE: a close (which
# locks the campaign row FOR UPDATE before its last mix) waits for a cast in flight, and a cast
# that comes after the close re-reads the row and finds it closed.
_SEAL = """INSERT INTO sealed_ballots (id, campaign_id, round_id, group_id, sealed)
           SELECT $1, c.id, $2, $3, $4 FROM campaigns c WHERE c.id = $5 AND c.state = 'open'
           FOR KEY SHARE OF c"""


def round_campaign(cur, round_id):
    cur.execute("SELECT campaign_id FROM rounds WHERE id = %s", (round_id,))
    row = cur.fetchone()
    return row["campaign_id"] if row else None


def consume_token(cur, token_hash):
    """Use the token up: the conditional DELETE decides, once, between concurrent casts."""
    execute_prepared(cur, "pingyi_consume_token", "bytea", _CONSUME, (token_hash,))
    return cur.fetchone()


def store_sealed(cur, sealed_id: bytes, campaign_id, round_id, group_id, sealed: bytes) -> bool:
    """Store a sealed ballot, only while the campaign is open; False when nothing was stored."""
    execute_prepared(cur, "pingyi_seal", "bytea, bigint, bigint, bytea, bigint", _SEAL,
                     (sealed_id, round_id, group_id, sealed, campaign_id))
    return cur.rowcount == 1


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
    """(id, sealed) of the sealed ballots of a round and group, locked for the mix (read as
    tuples: a batch may hold tens of thousands)."""
    with cur.connection.cursor(cursor_factory=psycopg2.extensions.cursor) as plain:
        plain.execute("SELECT id, sealed FROM sealed_ballots WHERE round_id = %s AND group_id = %s FOR UPDATE",
                      (round_id, group_id))
        return [(bytes(i), bytes(s)) for i, s in plain.fetchall()]


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


def insert_ballots(cur, rows: list[tuple]) -> None:
    """Write plaintext ballots (tuples in BALLOT_COLUMNS' order, answers as a dict) in the order
    given — the mixer's shuffle — with one COPY."""
    data = io.StringIO("".join(
        f"{i}\t{c}\t{r}\t{g}\t{_copy_field(answers)}\t\\\\x{bytes(tracker).hex()}\t{_copy_field(source)}\t"
        f"{_copy_field(tally)}\n" for i, c, r, g, answers, tracker, source, tally in rows))
    cur.copy_expert(f"COPY ballots ({BALLOT_COLUMNS}) FROM STDIN", data)


def delete_sealed(cur, ids: list[bytes]) -> int:
    cur.execute("DELETE FROM sealed_ballots WHERE id = ANY(%s)", (ids,))
    return cur.rowcount


def sealed_per_group(cur, round_id) -> dict:
    cur.execute("SELECT group_id, count(*) AS n FROM sealed_ballots WHERE round_id = %s GROUP BY group_id",
                (round_id,))
    return {r["group_id"]: r["n"] for r in cur.fetchall()}


def spent_keys(cur, round_ids) -> list[int]:
    """Of these rounds, those whose campaign is past voting and that hold no sealed ballot: their
    keys may go."""
    cur.execute(
        """SELECT r.id FROM rounds r JOIN campaigns c ON c.id = r.campaign_id
           WHERE r.id = ANY(%s) AND c.state NOT IN ('draft', 'announced', 'open')
             AND NOT EXISTS (SELECT 1 FROM sealed_ballots s WHERE s.round_id = r.id)""", (list(round_ids),))
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
