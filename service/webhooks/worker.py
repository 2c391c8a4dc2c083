"""The webhook worker (`python -m service worker`, docs/webhooks.md): it announces 公示 days as
they come, then takes due messages one at a time, each in a transaction that holds the message's
row lock (FOR UPDATE SKIP LOCKED) while it is POSTed, so several workers never send one message
at once, and a worker killed mid-delivery leaves its message due, to be sent again with the same
webhook-id. Retries follow the Standard Webhooks schedule with jitter; an endpoint that answers
410 Gone is disabled."""
from __future__ import annotations

import datetime as dt
import logging
import random
import threading

import psycopg2
import psycopg2.extras

from service.webhooks import delivery
from service.webhooks import queries as q

log = logging.getLogger("pingyi.webhooks")

# Seconds after each failed attempt before the next (immediately, 5 s, 5 min, 30 min, 2 h, 5 h,
# 10 h, 10 h): eight attempts over about 27.6 hours, then the message is marked failed.
SCHEDULE = (5, 5 * 60, 30 * 60, 2 * 3600, 5 * 3600, 10 * 3600, 10 * 3600)
JITTER = 0.1
MAX_ATTEMPTS = len(SCHEDULE) + 1
_random = random.SystemRandom()


def next_delay(attempts: int) -> float | None:
    """Seconds to wait after `attempts` failed attempts (±10 % jitter), None when they are spent."""
    if attempts >= MAX_ATTEMPTS:
        return None
    base = SCHEDULE[attempts - 1]
    return base * (1 + _random.uniform(-JITTER, JITTER))


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def deliver_one(conn, now: dt.datetime | None = None, timeout: float = delivery.TIMEOUT_SECONDS) -> dict | None:
    """Claim the next due message and attempt it; what happened, or None when nothing is due."""
    now = now or _now()
    with conn.cursor(cursor_factory=psycopg2.extras.RealDictCursor) as cur:
        m = q.claim_due(cur, now)
        if m is None:
            conn.rollback()
            return None
        outcome = delivery.post(m["url"], m["secret"], m["id"], m["payload"], m["allow_private"], timeout)
        attempts = m["attempts"] + 1
        q.record_attempt(cur, m["id"], now, outcome.status, outcome.error, outcome.duration_ms)
        if outcome.ok:
            q.settle(cur, m["id"], "delivered", attempts, None, outcome.status, None)
            state = "delivered"
        else:
            delay = next_delay(attempts)
            state = "pending" if delay is not None and outcome.status != 410 else "failed"
            next_at = now + dt.timedelta(seconds=delay) if state == "pending" else None
            q.settle(cur, m["id"], state, attempts, next_at, outcome.status, outcome.error)
            if outcome.status == 410:
                q.set_disabled(cur, m["endpoint_id"], "对方返回 410 Gone：订阅已自动停用")
        conn.commit()
    log.info("webhook %s %s: attempt %d, %s", m["id"], m["event_type"], attempts,
             outcome.status if outcome.status is not None else "no answer")
    return {"id": m["id"], "event_type": m["event_type"], "attempts": attempts, "status": outcome.status,
            "state": state}


def run_once(dsn: str, now: dt.datetime | None = None, limit: int = 100,
             timeout: float = delivery.TIMEOUT_SECONDS, day_of: dt.datetime | None = None) -> list[dict]:
    """One pass: the 公示 days announced (as of `day_of`, default now), then up to `limit` messages
    due by `now` attempted."""
    conn = psycopg2.connect(dsn)
    try:
        with conn.cursor(cursor_factory=psycopg2.extras.RealDictCursor) as cur:
            q.announce_publicity(cur, day_of or now or _now())
        conn.commit()
        done = []
        while len(done) < limit:
            result = deliver_one(conn, now, timeout)
            if result is None:
                break
            done.append(result)
        return done
    finally:
        conn.close()


def run_forever(dsn: str, poll_seconds: float, stop: threading.Event) -> None:
    """Pass after pass until `stop` is set; a pass that finds work is followed at once by another."""
    while not stop.is_set():
        try:
            busy = run_once(dsn)
        except psycopg2.OperationalError as exc:
            log.warning("webhook worker: database unavailable (%s)", type(exc).__name__)
            busy = []
        if not busy:
            stop.wait(poll_seconds)
