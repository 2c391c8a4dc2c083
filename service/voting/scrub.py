"""After a close: rewrite the tables whose old row versions still carry the casting and hand-out
transactions' ids — ballots in cast order, used tokens' hashes, handed-out pool seeds, hand-outs
— into new files with VACUUM FULL (plain VACUUM would only mark the old versions reusable and
leave them on disk).

The close records the campaign in `pending_scrubs` in its own transaction and runs `scrub` once
it has committed, before it answers; a scrub that fails (a lock it could not get in time, a
restart in between) leaves the record, and every settling pass (service/settle.py, also
`python -m service settle`) tries again until it succeeds. VACUUM FULL locks the tables while it
works, for every campaign (docs/scaling.md)."""
from __future__ import annotations

import logging

import psycopg2

log = logging.getLogger("pingyi.scrub")
TABLES = ("ballots", "ballot_tokens", "handout_pool", "handouts", "cast_events")
LOCK_TIMEOUT = "30s"
_LOCK = 0x706779_5C  # "pgy" + scrub


def scrub(dsn: str) -> list[int] | None:
    """Rewrite the tables if any campaign waits for it; the campaigns done, [] when none waited,
    None when it could not be done now (another process is at it, or a lock timed out)."""
    conn = psycopg2.connect(dsn, application_name="pingyi-scrub")
    conn.autocommit = True  # VACUUM runs outside a transaction
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT pg_try_advisory_lock(%s)", (_LOCK,))
            if not cur.fetchone()[0]:
                return None
            try:
                cur.execute("SELECT campaign_id FROM pending_scrubs")
                waiting = [r[0] for r in cur.fetchall()]
                if not waiting:
                    return []
                cur.execute("SELECT set_config('lock_timeout', %s, false)", (LOCK_TIMEOUT,))
                for table in TABLES:
                    cur.execute(f"VACUUM FULL {table}")
                cur.execute("DELETE FROM pending_scrubs WHERE campaign_id = ANY(%s)", (waiting,))
                return waiting
            finally:
                cur.execute("SELECT pg_advisory_unlock(%s)", (_LOCK,))
    except psycopg2.Error as exc:
        log.warning("rewriting the ballot tables failed (%s); a settling pass retries", type(exc).__name__)
        return None
    finally:
        conn.close()
