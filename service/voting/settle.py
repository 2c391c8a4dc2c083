"""Settling: while voting is open, the ballots and portal hand-outs of each round that received
new ones are rewritten in random order, so that the order rows lie in (which a dump keeps) and
their transaction ids (which the live database shows) say nothing of when each was made for
longer than one interval (SETTLE_SECONDS). A round of at most FULL_MAX ballots (or hand-outs)
is rewritten whole; a larger one only its new rows, which still mixes them within the interval.

Every web worker runs `loop` in a background thread; an advisory lock lets one of them work at
a time. `python -m service settle` does one pass (for cron, or after a restart).
"""
from __future__ import annotations

import logging
import os
import random
import threading

import psycopg2

from service.voting import queries as q

log = logging.getLogger("pingyi.settle")
FULL_MAX = 20_000
_LOCK = 0x706779_5E  # "pgy" + settle


def settle(conn) -> dict:
    """One pass: {"ballots": rows rewritten, "handouts": rows rewritten}, or {} when another
    process is settling. One transaction a round and table, so no lock is held for long; the
    advisory lock is held for the whole pass (a session lock, released at the end)."""
    with conn.cursor() as cur:
        locked = q.try_advisory_lock(cur, _LOCK)
    conn.commit()
    if not locked:
        return {}
    done = {"ballots": 0, "handouts": 0}
    try:
        for table, rewrite, key in (("ballots", q.rewrite_ballots, "ballots"),
                                    ("handouts", q.rewrite_handouts, "handouts")):
            with conn.cursor() as cur:
                rounds = q.rounds_in_order(cur, table)
            conn.commit()
            for round_id in rounds:
                with conn.cursor() as cur:
                    large = q.round_has_more_than(cur, table, round_id, FULL_MAX)
                    # A round of up to FULL_MAX rows is rewritten whole: afterwards nothing in it is in
                    # the order it was made. A larger one has only its new rows mixed, among themselves.
                    done[key] += rewrite(cur, "round_id = %s" + (" AND in_order" if large else ""), (round_id,))
                conn.commit()
    finally:
        conn.rollback()
        with conn.cursor() as cur:
            q.advisory_unlock(cur, _LOCK)
        conn.commit()
    return done


def run_once(dsn: str) -> dict:
    """A settling pass, then a retry of any closed campaign's table rewrite still waiting
    (service/voting/scrub.py); `scrubbed` lists the campaigns it completed."""
    from service.voting import scrub
    conn = psycopg2.connect(dsn, application_name="pingyi-settle")
    try:
        with conn.cursor() as cur:
            q.set_lock_timeout(cur, "5s")  # never queue long behind a close
        conn.commit()
        done = settle(conn)
    finally:
        conn.close()
    scrubbed = scrub.scrub(dsn)
    if scrubbed:
        done = {**done, "scrubbed": scrubbed}
    return done


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
        except Exception:  # never let the thread die: log it (no values: types and frames only)
            log.exception("settling failed; retrying later")
