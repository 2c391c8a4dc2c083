"""SQL for casting and receipts. Functions take `cur` first and never commit."""
from __future__ import annotations

from psycopg2.extras import Json


def consume_token(cur, token_hash):
    """Use the token up: the conditional DELETE decides, once, between concurrent casts."""
    cur.execute(
        "DELETE FROM ballot_tokens WHERE token_hash = %s RETURNING campaign_id, round_id, group_id",
        (token_hash,),
    )
    return cur.fetchone()


def insert_ballot_if_open(cur, ballot_id, campaign_id, round_id, group_id, answers, tracker, source="online"):
    """Store the ballot only while the campaign is open (a close that commits first wins)."""
    cur.execute(
        """INSERT INTO ballots (id, campaign_id, round_id, group_id, answers, tracker, source)
           SELECT %s, %s, %s, %s, %s, %s, %s
           WHERE EXISTS (SELECT 1 FROM campaigns WHERE id = %s AND state = 'open')
           RETURNING id""",
        (ballot_id, campaign_id, round_id, group_id, Json(answers), tracker, source, campaign_id),
    )
    return cur.fetchone()


def insert_cast_event(cur, campaign_id, round_id, group_id):
    cur.execute("INSERT INTO cast_events (campaign_id, round_id, group_id) VALUES (%s, %s, %s)",
                (campaign_id, round_id, group_id))


def campaign_state(cur, campaign_id):
    cur.execute("SELECT state FROM campaigns WHERE id = %s", (campaign_id,))
    row = cur.fetchone()
    return row["state"] if row else None


def find_tracker(cur, round_id, short):
    cur.execute(
        """SELECT tracker FROM ballots
           WHERE round_id = %s AND substring(tracker from 1 for 10) = %s""",
        (round_id, short),
    )
    return cur.fetchone()


def count_ballots(cur, round_id):
    cur.execute("SELECT count(*) AS n FROM ballots WHERE round_id = %s", (round_id,))
    return cur.fetchone()["n"]


def list_trackers(cur, round_id, after=b"", limit=200):
    cur.execute(
        """SELECT tracker FROM ballots
           WHERE round_id = %s AND substring(tracker from 1 for 10) > %s
           ORDER BY tracker
           LIMIT %s""",
        (round_id, after, limit),
    )
    return [bytes(r["tracker"]) for r in cur.fetchall()]


def shuffle_ballots(cur, campaign_id):
    """Rewrite the campaign's ballots in random order, all under this transaction's id."""
    cur.execute("LOCK TABLE ballots IN SHARE ROW EXCLUSIVE MODE")
    cur.execute(
        """WITH old AS (DELETE FROM ballots WHERE campaign_id = %s RETURNING *)
           INSERT INTO ballots SELECT * FROM old ORDER BY random()""",
        (campaign_id,),
    )
