"""SQL for checkpoints, signing keys and what a round's record is read from. Functions take `cur`
first and never commit."""
from __future__ import annotations

import psycopg2.extras

# audit_append's lock of a chain (migrations/0020_audit_log.sql): held, no entry can come between
# the head a checkpoint reads and the entry that records the checkpoint.
_CHAIN_LOCK = 0x70677941 << 32


def lock_chain(cur, chain: int) -> None:
    cur.execute("SELECT pg_advisory_xact_lock(%s)", (_CHAIN_LOCK + int(chain),))


def chain_head(cur, chain: int) -> tuple[int, bytes] | None:
    """(height, hash) of the chain's last entry, or None for a chain with no entry."""
    cur.execute("SELECT height, entry_hash FROM audit_log WHERE chain = %s ORDER BY height DESC LIMIT 1", (chain,))
    row = cur.fetchone()
    return (row["height"], bytes(row["entry_hash"])) if row else None


def chain_entries(cur, chain: int, up_to: int | None = None):
    """(entry, payload) of the chain in height order, streamed (a named cursor)."""
    with cur.connection.cursor(name="pingyi_chain", cursor_factory=psycopg2.extras.DictCursor) as named:
        named.execute("SELECT entry, payload FROM audit_log WHERE chain = %s AND (%s IS NULL OR height <= %s) "
                      "ORDER BY height", (chain, up_to, up_to))
        for row in named:
            yield row["entry"], row["payload"]


def sorted_trackers(cur, round_id: int):
    """The round's trackers in ascending order, streamed (the (round_id, tracker) index)."""
    with cur.connection.cursor(name="pingyi_trackers") as named:
        named.execute("SELECT tracker FROM ballots WHERE round_id = %s ORDER BY tracker", (round_id,))
        for (tracker,) in named:
            yield bytes(tracker)


def sorted_ballots(cur, round_id: int):
    """(id, group_id, answers, tracker, source) of the round's ballots in tracker order, streamed."""
    with cur.connection.cursor(name="pingyi_ballots") as named:
        named.execute("SELECT id::text, group_id, answers, tracker, source FROM ballots WHERE round_id = %s "
                      "ORDER BY tracker", (round_id,))
        for ballot_id, group_id, answers, tracker, source in named:
            yield ballot_id, group_id, answers, bytes(tracker), source


def count_records(cur, round_id: int) -> dict[int, dict]:
    """{group id: the mixer's counts record} of the round."""
    cur.execute("SELECT group_id, counts FROM ballot_counts WHERE round_id = %s ORDER BY group_id", (round_id,))
    return {r["group_id"]: r["counts"] for r in cur.fetchall()}


def next_checkpoint_number(cur, round_id: int) -> int:
    cur.execute("SELECT coalesce(max(number), 0) + 1 AS n FROM checkpoints WHERE round_id = %s", (round_id,))
    return cur.fetchone()["n"]


def insert_checkpoint(cur, round_id: int, number: int, kind: str, note: str) -> None:
    cur.execute("INSERT INTO checkpoints (round_id, number, kind, note, created_at) "
                "VALUES (%s, %s, %s, %s, date_trunc('second', now()))", (round_id, number, kind, note))


def checkpoints(cur, round_id: int) -> list[dict]:
    cur.execute("SELECT number, kind, note, created_at FROM checkpoints WHERE round_id = %s ORDER BY number",
                (round_id,))
    return cur.fetchall()


def register_key(cur, verifier_key: str, announcement: str | None) -> None:
    cur.execute("INSERT INTO audit_signing_keys (verifier_key, announcement) VALUES (%s, %s) "
                "ON CONFLICT (verifier_key) DO NOTHING", (verifier_key, announcement))


def signing_keys(cur) -> list[dict]:
    """The keys oldest first: the first key (no announcement), then each key whose announcement
    names the one before it as old (two keys can be made within one second: no time decides)."""
    cur.execute("SELECT verifier_key, announcement, created_at FROM audit_signing_keys ORDER BY created_at, verifier_key")
    rows = cur.fetchall()
    ordered = [r for r in rows if r["announcement"] is None][:1]
    rest = [r for r in rows if r not in ordered]
    while ordered and rest:
        nxt = next((r for r in rest if f"\nold {ordered[-1]['verifier_key']}\n" in r["announcement"]), None)
        if nxt is None:
            break
        ordered.append(nxt)
        rest.remove(nxt)
    return ordered + rest  # keys no announcement reaches come last, for the verifier to refuse


def snapshot(cur) -> None:
    """The transaction's first statement: one consistent view of the round for a whole bundle."""
    cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")


def log(cur, f: dict) -> list[dict]:
    """Entries of every chain, newest first, filtered (ops.log_filters); dates are China's, as the
    pages show them."""
    cur.execute(
        """SELECT chain, height, encode(entry_hash, 'hex') AS hash, NULLIF(chain, 0) AS campaign_id,
                  type AS action, actor, payload::jsonb AS details, created_at
           FROM audit_log
           WHERE (%(campaign_id)s::bigint IS NULL OR chain = %(campaign_id)s)
             AND (%(type)s::text IS NULL OR type = %(type)s)
             AND (%(actor)s::text IS NULL OR actor = %(actor)s)
             AND (%(since)s::date IS NULL OR (created_at AT TIME ZONE 'Asia/Shanghai')::date >= %(since)s::date)
             AND (%(until)s::date IS NULL OR (created_at AT TIME ZONE 'Asia/Shanghai')::date <= %(until)s::date)
           ORDER BY created_at DESC, chain DESC, height DESC
           LIMIT %(limit)s OFFSET %(offset)s""", f)
    return cur.fetchall()


def handouts_per_round(cur, campaign_id: int) -> dict[int, int]:
    """{round id: ballots handed out through the portals} of the campaign (no group, no time: a
    hand-out row holds neither)."""
    cur.execute("SELECT round_id, count(*) AS n FROM handouts WHERE campaign_id = %s GROUP BY round_id ORDER BY round_id",
                (campaign_id,))
    return {r["round_id"]: r["n"] for r in cur.fetchall()}
