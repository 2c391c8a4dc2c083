"""SQL for casting and receipts. Functions take `cur` first and never commit."""
from __future__ import annotations

from psycopg2.extras import Json

from service.core.db import execute_prepared

# The cast path's two statements run prepared (service.core.db.execute_prepared): each $n appears once.
_CONSUME = "DELETE FROM ballot_tokens WHERE token_hash = $1 RETURNING campaign_id, round_id, group_id"
_STORE = """WITH stored AS (
               INSERT INTO ballots (id, campaign_id, round_id, group_id, answers, tracker, source, tally)
               SELECT $1, c.id, $3, $4, $5, $6, $7, $8
               FROM campaigns c
               WHERE c.id = $2 AND c.state = 'open'
               RETURNING campaign_id, round_id, group_id),
           recorded AS (
               INSERT INTO cast_events (campaign_id, round_id, group_id)
               SELECT campaign_id, round_id, group_id FROM stored)
           SELECT count(*) AS n FROM stored"""


# Consume the token and store the ballot in one statement, finishing the tracker's hash with
# the token's group (forms.tracker_parts): one round trip for a cast.
_CAST = """WITH used AS (
               DELETE FROM ballot_tokens WHERE token_hash = $1
               RETURNING campaign_id, round_id, group_id),
           stored AS (
               INSERT INTO ballots (id, campaign_id, round_id, group_id, answers, tracker, source, tally)
               SELECT $2, u.campaign_id, u.round_id, u.group_id, $3,
                      sha256($4 || convert_to(u.group_id::text, 'UTF8') || $5), 'online', $6
               FROM used u JOIN campaigns c ON c.id = u.campaign_id
               WHERE c.state = 'open'
               RETURNING campaign_id, round_id, group_id, tracker),
           recorded AS (
               INSERT INTO cast_events (campaign_id, round_id, group_id)
               SELECT campaign_id, round_id, group_id FROM stored)
           SELECT (SELECT count(*) FROM used) AS used, (SELECT campaign_id FROM used) AS campaign_id,
                  (SELECT tracker FROM stored) AS tracker"""


def consume_and_store(cur, token_hash, ballot_id, answers, prefix, suffix, tally):
    """Returns {used: 0|1, campaign_id, tracker}: used 0 means the token was already gone;
    a tracker of None with used 1 means the campaign is not open (the caller rolls back)."""
    execute_prepared(cur, "pingyi_cast", "bytea, uuid, jsonb, bytea, bytea, numeric", _CAST,
                     (token_hash, ballot_id, Json(answers), prefix, suffix, tally))
    return cur.fetchone()


def round_campaign(cur, round_id):
    cur.execute("SELECT campaign_id FROM rounds WHERE id = %s", (round_id,))
    row = cur.fetchone()
    return row["campaign_id"] if row else None


def consume_token(cur, token_hash):
    """Use the token up: the conditional DELETE decides, once, between concurrent casts."""
    execute_prepared(cur, "pingyi_consume_token", "bytea", _CONSUME, (token_hash,))
    return cur.fetchone()


def insert_ballot_if_open(cur, ballot_id, campaign_id, round_id, group_id, answers, tracker, tally,
                          source="online"):
    """Store the ballot and its cast event, only while the campaign is open (a close that
    commits first wins). One statement; False when nothing was stored."""
    execute_prepared(cur, "pingyi_store_ballot", "uuid, bigint, bigint, bigint, jsonb, bytea, text, numeric",
                     _STORE, (ballot_id, campaign_id, round_id, group_id, Json(answers), tracker, source, tally))
    return cur.fetchone()["n"] == 1


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


# Every column of a ballot but in_order, which a rewrite sets to false: one list for every
# statement that rewrites ballots (the close, settling), so a new column is not dropped by one.
BALLOT_COLUMNS = "id, campaign_id, round_id, group_id, answers, tracker, source, tally"
HANDOUT_COLUMNS = "round_id, ref_hash, campaign_id"


def lock_for_shuffle(cur):
    """The tables a close rewrites, locked against concurrent writers (casts wait; reads go on)."""
    cur.execute("LOCK TABLE ballots, handouts IN SHARE ROW EXCLUSIVE MODE")


def rewrite_ballots(cur, where: str, params) -> int:
    """Delete the ballots `where` says and store them again in random order, under this
    transaction's id, no longer in_order; the number rewritten."""
    cur.execute(
        f"""WITH old AS (DELETE FROM ballots WHERE {where} RETURNING {BALLOT_COLUMNS})
            INSERT INTO ballots ({BALLOT_COLUMNS}, in_order)
            SELECT {BALLOT_COLUMNS}, false FROM old ORDER BY random()""", params)
    return cur.rowcount


def rewrite_handouts(cur, where: str, params) -> int:
    cur.execute(
        f"""WITH old AS (DELETE FROM handouts WHERE {where} RETURNING {HANDOUT_COLUMNS})
            INSERT INTO handouts ({HANDOUT_COLUMNS}, in_order)
            SELECT {HANDOUT_COLUMNS}, false FROM old ORDER BY random()""", params)
    return cur.rowcount


def shuffle_ballots(cur, campaign_id):
    """Rewrite the campaign's ballots in random order, all under this transaction's id."""
    lock_for_shuffle(cur)
    rewrite_ballots(cur, "campaign_id = %s", (campaign_id,))


def shuffle_handouts(cur, campaign_id):
    """The same for the record of portal hand-outs: its order (and its rows' transaction ids) was
    the order of the hand-outs, which a voter's cast soon follows."""
    lock_for_shuffle(cur)
    rewrite_handouts(cur, "campaign_id = %s", (campaign_id,))


# --- settling and the close's rewrite (service/voting/settle.py, scrub.py) -------------------

_TABLES = frozenset({"ballots", "handouts", "ballot_tokens", "handout_pool", "cast_events"})


def _table(name: str) -> str:
    if name not in _TABLES:
        raise ValueError(f"not a ballot table: {name}")
    return name


def try_advisory_lock(cur, key: int) -> bool:
    cur.execute("SELECT pg_try_advisory_lock(%s)", (key,))
    return bool(cur.fetchone()[0])


def advisory_unlock(cur, key: int) -> None:
    cur.execute("SELECT pg_advisory_unlock(%s)", (key,))


def set_lock_timeout(cur, value: str) -> None:
    cur.execute("SELECT set_config('lock_timeout', %s, false)", (value,))


def rounds_in_order(cur, table: str) -> list[int]:
    """The rounds with rows made since the last settling pass."""
    cur.execute(f"SELECT DISTINCT round_id FROM {_table(table)} WHERE in_order")
    return [r[0] for r in cur.fetchall()]


def round_has_more_than(cur, table: str, round_id: int, n: int) -> bool:
    cur.execute(f"SELECT EXISTS (SELECT 1 FROM {_table(table)} WHERE round_id = %s OFFSET %s)", (round_id, n))
    return bool(cur.fetchone()[0])


def mark_pending_scrub(cur, campaign_id) -> None:
    cur.execute("INSERT INTO pending_scrubs (campaign_id) VALUES (%s) ON CONFLICT DO NOTHING", (campaign_id,))


def pending_scrubs(cur) -> list[int]:
    cur.execute("SELECT campaign_id FROM pending_scrubs")
    return [r[0] for r in cur.fetchall()]


def vacuum_full(cur, table: str) -> None:
    cur.execute(f"VACUUM FULL {_table(table)}")


def clear_pending_scrubs(cur, campaign_ids) -> None:
    cur.execute("DELETE FROM pending_scrubs WHERE campaign_id = ANY(%s)", (list(campaign_ids),))
