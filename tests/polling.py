"""The only place tests wait (tests/test_house.py refuses `time.sleep` anywhere else): each
helper polls for an observed fact and fails the test, saying what it waited for, at its deadline.
A test never sleeps a fixed time and hopes the other side has got there."""
from __future__ import annotations

import time
from typing import Callable, TypeVar

import psycopg2
import pytest

T = TypeVar("T")


def wait_until(check: Callable[[], T], what: str, timeout: float = 30, every: float = 0.05) -> T:
    """check()'s first truthy value; pytest.fail when there is none within timeout seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"waited {timeout} s for {what}; it never happened")
        time.sleep(every)


def waiting_on_lock(dsn: str, lock: str | None = None, application_name: str | None = None) -> int:
    """How many backends pg_stat_activity shows waiting on a lock (of kind `lock`, e.g. advisory)."""
    with psycopg2.connect(dsn) as conn, conn.cursor() as cur:
        cur.execute("""SELECT count(*) FROM pg_stat_activity
                       WHERE wait_event_type = 'Lock' AND pid <> pg_backend_pid()
                         AND (%(lock)s IS NULL OR wait_event = %(lock)s)
                         AND (%(app)s IS NULL OR application_name = %(app)s)""",
                    {"lock": lock, "app": application_name})
        count = cur.fetchone()[0]
    conn.close()
    return count


def wait_for_lock_waiter(dsn: str, what: str, lock: str | None = None, application_name: str | None = None,
                         timeout: float = 30) -> None:
    """Until another transaction is seen waiting on a lock; fail if it never is."""
    wait_until(lambda: waiting_on_lock(dsn, lock, application_name), what, timeout)
