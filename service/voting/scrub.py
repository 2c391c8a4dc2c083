"""After a close: rewrite the tables whose old row versions still carry the casting and hand-out
transactions' ids — ballots in cast order, used tokens' hashes, handed-out pool seeds, hand-outs
— into new files with VACUUM FULL (plain VACUUM would only mark the old versions reusable and
leave them on disk).

The close records the campaign in `pending_scrubs` in its own transaction and runs `scrub` once
it has committed, before it answers; a scrub that fails (a lock it could not get in time, a
restart in between) leaves the record, and every settling pass (service/voting/settle.py, also
`python -m service settle`) tries again until it succeeds. VACUUM FULL locks the tables while it
works, for every campaign (docs/scaling.md)."""
from __future__ import annotations

import logging

import psycopg2

from service.voting import queries as q

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
            if not q.try_advisory_lock(cur, _LOCK):
                return None
            try:
                waiting = q.pending_scrubs(cur)
                if not waiting:
                    return []
                q.set_lock_timeout(cur, LOCK_TIMEOUT)
                for table in TABLES:
                    q.vacuum_full(cur, table)
                q.clear_pending_scrubs(cur, waiting)
                return waiting
            finally:
                q.advisory_unlock(cur, _LOCK)
    except psycopg2.Error as exc:
        log.warning("rewriting the ballot tables failed (%s); a settling pass retries", type(exc).__name__)
        return None
    finally:
        conn.close()
