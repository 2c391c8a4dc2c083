"""Scheduled voting (issue 13.5): a round's opening and closing times. A cast outside its round's
window is refused (voting_not_open / voting_closed); and every few seconds each server process
opens the announced campaigns whose first round's time has come and closes the open ones whose
every round has closed — through the same transition an organiser's button makes, effects and
event included (actor system:schedule). Two processes racing for one campaign: the second finds
it moved on and does nothing."""
from __future__ import annotations

import datetime as dt
import logging
import threading

import psycopg2

from service.campaigns import schedule_queries as q
from service.core.errors import APIError

log = logging.getLogger("pingyi.schedule")


def now() -> dt.datetime:
    """The clock the schedule reads (tests move it)."""
    return dt.datetime.now(dt.timezone.utc)


def window(cur, round_id) -> tuple:
    """(opens_at, closes_at) of a round, either None."""
    return q.round_window(cur, round_id)


def refusal(opens_at, closes_at, at=None) -> str | None:
    """'not_open' before the round's opening, 'closed' from its closing on, else None."""
    at = at or now()
    if opens_at is not None and at < opens_at:
        return "not_open"
    if closes_at is not None and at >= closes_at:
        return "closed"
    return None


def run_due(at=None) -> list[tuple[int, str]]:
    """Make the transitions the schedule calls for now (in the app context); returns those made."""
    from service.accounts.auth import Principal
    from service.campaigns import operations as ops
    from service.core import db
    at = at or now()
    system = Principal("system", 0, "schedule")
    with db.transaction() as cur:
        todo = q.due(cur, at)
    done = []
    for campaign_id, target in todo:
        try:
            with db.transaction() as cur:
                ops.transition(cur, system, campaign_id, target)
            done.append((campaign_id, target))
            log.info("campaign %s: %s on schedule", campaign_id, target)
        except APIError as exc:  # another process made it first, or it is not ready: say why, go on
            log.warning("campaign %s: scheduled %s not made (%s)", campaign_id, target, exc.code)
    return done


def start(app, seconds: float = 5.0) -> threading.Event:
    """This process's schedule thread: run_due every few seconds in the app's context."""
    stop = threading.Event()

    def loop():
        while not stop.wait(seconds):
            try:
                with app.app_context():
                    run_due()
            except psycopg2.OperationalError as exc:  # the database is away (restarting, or the server
                # stopping under this thread): one line, not a traceback; the next pass tries again
                log.warning("the schedule pass could not reach the database (%s); retrying later",
                            str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__)
            except Exception:  # never let the thread die; the next pass tries again
                log.exception("the schedule pass failed; retrying later")
    threading.Thread(target=loop, name="pingyi-schedule", daemon=True).start()
    return stop
