"""The embedded PostgreSQL (the `pgserver` wheel), used when DATABASE_URL is unset."""
from __future__ import annotations

import logging
import warnings
from pathlib import Path

import psycopg2

log = logging.getLogger("pingyi.embedded_pg")
logging.getLogger("pgserver").setLevel(logging.WARNING)  # it logs every command at INFO
DATABASE = "pingyi"
_servers = {}


def ensure(var_dir: Path, database: str = DATABASE, cleanup_mode: str | None = "stop") -> str:
    """Start (or join) the server in var_dir/pgdata and make sure the database exists; return its DSN.

    With cleanup_mode "stop" the server stops when the last process that started or
    joined it exits; forked workers do not count, so they never stop it.
    """
    with warnings.catch_warnings():
        # platformdirs warns at import when XDG_RUNTIME_DIR is unset (servers, CI); harmless here.
        warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
        import pgserver

    pgdata = (var_dir / "pgdata").resolve()
    pgdata.mkdir(parents=True, exist_ok=True)
    server = _servers.get(pgdata)
    if server is None:
        server = pgserver.get_server(pgdata, cleanup_mode=cleanup_mode)
        _servers[pgdata] = server
    create_database(server.get_uri("postgres"), database)
    return server.get_uri(database)


# Server settings that keep ballots out of PostgreSQL's own records. psycopg2 sends values as
# literals inside the statement, so a logged statement carries a ballot's answers or a token's
# hash, with a time: no statement is logged, not even a failing or slow one. Commit timestamps
# would date every row's transaction id (pg_xact_commit_timestamp(xmin)) — the time of a cast.
# A failing statement's DETAIL quotes the values too ("Key (token_hash)=(\x…) already exists",
# "Failing row contains (…)"): terse leaves only the error's primary message.
QUIET_SETTINGS = {"log_min_error_statement": "panic", "log_parameter_max_length_on_error": "0",
                  "log_statement": "none", "log_min_duration_statement": "-1", "log_duration": "off",
                  "log_error_verbosity": "terse"}
RESTART_SETTINGS = {"track_commit_timestamp": "off"}  # PostgreSQL reads it only at start


def privacy_problems(cur) -> list[str]:
    """The server settings that would record ballots beside times (any PostgreSQL): empty when
    none does. `serve` prints them; docs/operations.md says how to set them."""
    wanted = {**QUIET_SETTINGS, **RESTART_SETTINGS}
    cur.execute("SELECT name, setting FROM pg_settings WHERE name = ANY(%s)", (list(wanted),))
    current = dict(cur.fetchall())
    return [f"{name} = {current[name]} (should be {value})" for name, value in wanted.items()
            if name in current and current[name] != value]


def quiet_logs(cur) -> None:
    cur.execute("SELECT name, setting FROM pg_settings WHERE name = ANY(%s)",
                (list(QUIET_SETTINGS) + list(RESTART_SETTINGS),))
    current = dict(cur.fetchall())
    changed = False
    for name, value in {**QUIET_SETTINGS, **RESTART_SETTINGS}.items():
        if current.get(name) != value:
            cur.execute(f"ALTER SYSTEM SET {name} = '{value}'")
            changed = True
    if changed:
        cur.execute("SELECT pg_reload_conf()")
    if current.get("track_commit_timestamp", "off") != "off":
        log.warning("track_commit_timestamp is on until the embedded PostgreSQL restarts")


def create_database(admin_dsn: str, database: str) -> None:
    conn = psycopg2.connect(admin_dsn)
    try:
        conn.autocommit = True
        with conn.cursor() as cur:
            # `make run` starts the server and the webhook worker at once: both get here, and
            # the lock lets one create the database while the other waits and then finds it.
            cur.execute("SELECT pg_advisory_lock(hashtext('pingyi.create_database'))")
            quiet_logs(cur)
            cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (database,))
            if cur.fetchone() is None:
                cur.execute(f'CREATE DATABASE "{database}" ENCODING \'UTF8\' TEMPLATE template0')
                log.info("created database %s", database)
    finally:
        conn.close()
