"""Connection pool and the one-transaction-per-request helper.

Views open `with db.transaction() as cur:`; the commit happens when the block
ends, before the response is built. The teardown only rolls back and releases.
"""
from __future__ import annotations

import contextlib
import logging
import threading

import psycopg2
import psycopg2.extras
import psycopg2.pool
from flask import current_app, g

from service.core.errors import CommitUnknown

log = logging.getLogger("pingyi.db")


class Connection(psycopg2.extensions.connection):
    """A pooled connection that remembers which statements it has prepared (they last as long
    as the session, whatever happens to the transaction that prepared them)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.prepared: set[str] = set()
        self.fused = False  # inside fused_transaction()
        self.commit_sent = False  # fused_transaction(): its COMMIT has gone to the server


def execute_prepared(cur, name: str, types: str, statement: str, params, *, last: bool = False) -> None:
    """Run a hot statement as a server-side prepared statement, preparing it on first use on
    this connection: the server then skips parsing and planning it on every call. Inside
    fused_transaction() the transaction's BEGIN rides with its first statement, and its COMMIT
    with the statement marked `last` (which must then be the block's last)."""
    conn = cur.connection
    prepared = getattr(conn, "prepared", None)
    if prepared is None:  # a connection from outside the pool (CLI, tests): run it plainly
        cur.execute(_as_psycopg(statement), params)
        return
    if name not in prepared:
        cur.execute(f"PREPARE {name} ({types}) AS {statement}")  # in a fused block: before its BEGIN
        prepared.add(name)
    text = f"EXECUTE {name} ({', '.join(['%s'] * len(params))})"
    if conn.fused:
        if conn.info.transaction_status == psycopg2.extensions.TRANSACTION_STATUS_IDLE:
            text = "BEGIN; " + text
        if last:
            text += "; COMMIT"
            conn.commit_sent = True
    cur.execute(text, params)


def _as_psycopg(statement: str) -> str:
    import re
    return re.sub(r"\$\d+", "%s", statement)


_pools: dict[str, psycopg2.pool.ThreadedConnectionPool] = {}
_pools_lock = threading.Lock()


def get_pool(dsn: str, minconn: int = 1, maxconn: int = 10):
    # Created lazily, after gunicorn forks, so no socket is shared between workers.
    pool = _pools.get(dsn)
    if pool is None:
        with _pools_lock:
            pool = _pools.get(dsn)
            if pool is None:
                pool = psycopg2.pool.ThreadedConnectionPool(
                    minconn, maxconn, dsn, application_name="pingyi", connection_factory=Connection
                )
                _pools[dsn] = pool
    return pool




def _request_conn():
    ctx_g = g._get_current_object()  # one look-up through the proxy, not six: this runs on every cast
    conn = getattr(ctx_g, "db_conn", None)
    if conn is None:
        config = current_app.config
        settings = config["SETTINGS"]
        pool = get_pool(config["DATABASE_DSN"], settings.db_pool_min, settings.db_pool_max)
        ctx_g.db_pool = pool
        conn = ctx_g.db_conn = pool.getconn()
    return conn


@contextlib.contextmanager
def transaction():
    """Yield a dict cursor inside one transaction; commit on success, roll back on error. What
    the work asked to run once it is committed (after_commit) runs then, and only then."""
    conn = _request_conn()
    g.db_after_commit = []
    try:
        with conn.cursor(cursor_factory=psycopg2.extras.RealDictCursor) as cur:
            yield cur
        try:
            conn.commit()
        except psycopg2.Error as exc:
            if conn.closed:  # the server may have committed before the line broke
                log.warning("the database connection broke during a COMMIT (%s): its outcome is unknown",
                            type(exc).__name__)
                raise CommitUnknown() from exc
            raise
    except BaseException:
        if conn.closed:  # the server went away: its error stands, not a failed rollback's
            _release_broken(conn)
        else:
            conn.rollback()
        g.db_after_commit = []
        raise
    for callback in g.pop("db_after_commit"):
        callback()


def _release_broken(conn) -> None:
    """A connection the server closed, out of the request and the pool: the context's next
    transaction (the schedule pass runs several) takes a fresh one."""
    ctx_g = g._get_current_object()
    if getattr(ctx_g, "db_conn", None) is conn:
        del ctx_g.db_conn
        ctx_g.pop("db_pool").putconn(conn, close=True)


@contextlib.contextmanager
def fused_transaction():
    """transaction() with two round trips fewer, for a hot write of prepared statements (the
    cast): psycopg2 sends BEGIN and COMMIT each on its own, so a cast of two statements took four
    round trips; here BEGIN rides with the first statement and COMMIT with the one run with
    `last=True` (execute_prepared), in one simple query each, as one transaction. A statement
    that fails stops the rest of its query, COMMIT included; whatever the block leaves open is
    committed at its end, or rolled back if it raises. A statement run before the first
    prepared one runs on its own (autocommit): keep those to reads."""
    conn = _request_conn()
    g.db_after_commit = []
    conn.autocommit, conn.fused, conn.commit_sent = True, True, False  # psycopg2 sends nothing of its own; we do
    try:
        with conn.cursor(cursor_factory=psycopg2.extras.RealDictCursor) as cur:
            yield cur
            if _open(conn):
                conn.commit_sent = True
                cur.execute("COMMIT")
    except BaseException as exc:
        if conn.commit_sent and conn.closed:  # the server may have committed before the line broke
            log.warning("the database connection broke after a COMMIT was sent (%s): its outcome is unknown",
                        type(exc).__name__)
            raise CommitUnknown() from exc
        try:
            if not conn.closed and _open(conn):
                with conn.cursor() as cur:
                    cur.execute("ROLLBACK")
        except psycopg2.Error:
            pass  # the connection broke: the server rolls back, the teardown closes it
        g.db_after_commit = []
        raise
    finally:
        conn.fused = False
        if not conn.closed:
            conn.autocommit = False
    for callback in g.pop("db_after_commit"):
        callback()


def _open(conn) -> bool:
    return conn.info.transaction_status != psycopg2.extensions.TRANSACTION_STATUS_IDLE


def after_commit(callback) -> None:
    """Run callback() once the request's current transaction has committed (never if it rolls back)."""
    g.db_after_commit.append(callback)


def teardown(_exc=None) -> None:
    conn = g.pop("db_conn", None)
    if conn is None:
        return
    pool = g.pop("db_pool")
    broken = conn.closed != 0
    if not broken:
        try:
            conn.rollback()
            # a transaction begun by hand (fused_transaction's BEGIN) that rollback() does not end:
            # never back into the pool, where the next transaction would commit it
            broken = _open(conn)
        except psycopg2.Error:
            broken = True
    pool.putconn(conn, close=broken)


@contextlib.contextmanager
def connect(dsn: str):
    """A standalone connection for the CLI and tests (outside a request)."""
    conn = psycopg2.connect(dsn, application_name="pingyi-cli")
    try:
        yield conn
    finally:
        conn.close()


@contextlib.contextmanager
def pooled_transaction(dsn: str):
    """A transaction on a pool connection outside any request (e.g. while a response streams)."""
    pool = get_pool(dsn)
    conn = pool.getconn()
    broken = False
    try:
        with conn.cursor(cursor_factory=psycopg2.extras.RealDictCursor) as cur:
            yield cur
        conn.commit()
    except BaseException:
        try:
            conn.rollback()
        except psycopg2.Error:
            broken = True
        raise
    finally:
        pool.putconn(conn, close=broken or conn.closed != 0)
