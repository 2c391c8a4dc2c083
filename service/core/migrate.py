"""Forward-only SQL migrations: `migrations/NNNN_slug.sql`, each in its own transaction.

Applied files are recorded with a SHA-256 checksum in `schema_migrations`; a file
changed after it was applied stops the runner. An advisory lock keeps two starting
processes from migrating at once.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"
_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")
_LOCK_KEY = 0x70696E677969  # "pingyi"


class MigrationError(RuntimeError):
    pass


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode("utf-8")).hexdigest()


def load(directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    found = []
    for path in sorted(directory.glob("*.sql")):
        m = _NAME.match(path.name)
        if not m:
            raise MigrationError(f"migration file name not of the form NNNN_slug.sql: {path.name}")
        found.append(Migration(int(m.group(1)), path.name, path.read_text(encoding="utf-8")))
    versions = [m.version for m in found]
    if len(set(versions)) != len(versions):
        raise MigrationError("two migration files share a number")
    return found


_BOOKKEEPING = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version     integer PRIMARY KEY,
    name        text NOT NULL,
    checksum    text NOT NULL,
    applied_at  timestamptz NOT NULL DEFAULT now()
)
"""


def applied(cur) -> dict[int, tuple[str, str]]:
    cur.execute("SELECT to_regclass('schema_migrations') IS NOT NULL")
    if not cur.fetchone()[0]:
        return {}
    cur.execute("SELECT version, name, checksum FROM schema_migrations")
    return {v: (n, c) for v, n, c in cur.fetchall()}


def check(applied_rows: dict, migrations: list[Migration]) -> list[Migration]:
    """Refuse changed or vanished files; return the migrations still to apply."""
    by_version = {m.version: m for m in migrations}
    for version, (name, checksum) in sorted(applied_rows.items()):
        m = by_version.get(version)
        if m is None:
            raise MigrationError(f"applied migration {name} is missing from the migrations folder")
        if m.checksum != checksum:
            raise MigrationError(
                f"migration {m.name} was changed after it was applied "
                f"(checksum {checksum[:12]}… in the database, {m.checksum[:12]}… on disk); "
                "migrations are forward-only: add a new file instead"
            )
    return [m for m in migrations if m.version not in applied_rows]


def pending(conn, directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    with conn.cursor() as cur:
        todo = check(applied(cur), load(directory))
    conn.rollback()
    return todo


LOCK_TIMEOUT = "10s"


def migrate(conn, directory: Path = MIGRATIONS_DIR) -> list[str]:
    """Apply pending migrations; return the names applied (empty when up to date)."""
    migrations = load(directory)
    done = []
    conn.autocommit = False
    with conn.cursor() as cur:
        # Wait as long as another host takes to migrate (its migrations end one way or another);
        # only then cap how long a migration's own DDL may wait behind the application's queries.
        cur.execute("SET lock_timeout = 0")
        cur.execute("SELECT pg_advisory_lock(%s)", (_LOCK_KEY,))
        cur.execute("SELECT set_config('lock_timeout', %s, false)", (LOCK_TIMEOUT,))
        conn.commit()
        try:
            recorded = applied(cur)
            if not recorded:  # (a service role that may not create tables never gets here on a migrated database)
                cur.execute(_BOOKKEEPING)
                conn.commit()
            for m in check(recorded, migrations):
                try:
                    cur.execute(m.sql)
                    cur.execute(
                        "INSERT INTO schema_migrations (version, name, checksum) VALUES (%s, %s, %s)",
                        (m.version, m.name, m.checksum),
                    )
                    conn.commit()
                except Exception as exc:
                    conn.rollback()
                    raise MigrationError(f"migration {m.name} failed: {exc}") from exc
                done.append(m.name)
        finally:
            conn.rollback()
            cur.execute("SELECT pg_advisory_unlock(%s)", (_LOCK_KEY,))
            conn.commit()
    return done
