"""Settling: while voting is open, the ballots and portal hand-outs of each round that received
new ones are rewritten in random order, so that the order rows lie in (which a dump keeps) and
their transaction ids (which the live database shows) say nothing of when each was made for
longer than one interval (SETTLE_SECONDS). A round of at most FULL_MAX ballots is rewritten
whole; a larger one only its new rows, which still mixes them within the interval.

Every web worker runs `loop` in a background thread; an advisory lock lets one of them work at
a time. `python -m service settle` does one pass (for cron, or after a restart).
"""
from __future__ import annotations

import logging
import os
import random
import threading

import psycopg2

log = logging.getLogger("pingyi.settle")
FULL_MAX = 50_000
_LOCK = 0x706779_5E  # "pgy" + settle
_BALLOT_COLS = "id, campaign_id, round_id, group_id, answers, tracker, source, tally"


def settle(cur) -> dict:
    """One pass, in the caller's transaction: {"ballots": rows rewritten, "handouts": rows
    rewritten}, or {} when another process is settling."""
    cur.execute("SELECT pg_try_advisory_xact_lock(%s) AS ok", (_LOCK,))
    if not _first(cur.fetchone()):
        return {}
    done = {"ballots": 0, "handouts": 0}
    cur.execute("SELECT DISTINCT round_id FROM ballots WHERE in_order")
    for (round_id,) in [tuple(_values(r)) for r in cur.fetchall()]:
        cur.execute("SELECT count(*) FROM ballots WHERE round_id = %s", (round_id,))
        whole = _first(cur.fetchone()) <= FULL_MAX
        cur.execute(
            f"""WITH old AS (DELETE FROM ballots WHERE round_id = %s {"" if whole else "AND in_order"}
                             RETURNING {_BALLOT_COLS})
                INSERT INTO ballots ({_BALLOT_COLS}, in_order)
                SELECT {_BALLOT_COLS}, false FROM old ORDER BY random()""", (round_id,))
        done["ballots"] += cur.rowcount
    cur.execute("SELECT DISTINCT round_id FROM handouts WHERE in_order")
    for (round_id,) in [tuple(_values(r)) for r in cur.fetchall()]:
        cur.execute(
            """WITH old AS (DELETE FROM handouts WHERE round_id = %s RETURNING round_id, ref_hash, campaign_id)
               INSERT INTO handouts (round_id, ref_hash, campaign_id, in_order)
               SELECT round_id, ref_hash, campaign_id, false FROM old ORDER BY random()""", (round_id,))
        done["handouts"] += cur.rowcount
    return done


def _values(row):
    return row.values() if isinstance(row, dict) else row


def _first(row):
    return next(iter(_values(row)))


def run_once(dsn: str) -> dict:
    conn = psycopg2.connect(dsn, application_name="pingyi-settle")
    try:
        with conn.cursor() as cur:
            cur.execute("SET lock_timeout = '5s'")  # never queue long behind a close
            done = settle(cur)
        conn.commit()
        return done
    finally:
        conn.close()


_started: dict[int, threading.Event] = {}
_started_lock = threading.Lock()


def start(dsn: str, seconds: int) -> threading.Event | None:
    """Start this process's settling thread once (a forked worker starts its own); returns the
    event that stops it."""
    if seconds <= 0:
        return None
    with _started_lock:
        if os.getpid() in _started:
            return _started[os.getpid()]
        stop = _started[os.getpid()] = threading.Event()
    threading.Thread(target=loop, args=(dsn, seconds, stop), name="pingyi-settle", daemon=True).start()
    return stop


def loop(dsn: str, seconds: float, stop: threading.Event) -> None:
    # Jitter: the workers of a host, started together, do not all wake at once.
    while not stop.wait(seconds * random.uniform(0.8, 1.2)):
        try:
            done = run_once(dsn)
            if done.get("ballots") or done.get("handouts"):
                log.info("settled %s ballots and %s hand-outs", done["ballots"], done["handouts"])
        except psycopg2.Error as exc:  # a failed pass is retried at the next interval
            log.warning("settling failed (%s); retrying later", type(exc).__name__)
