"""The migration runner against a real PostgreSQL: apply, re-run, refuse edited files."""
from __future__ import annotations

import dataclasses
import shutil
import threading

import psycopg2
import psycopg2.extras
import pytest

from service.core import migrate
from tests.conftest import _worker, recreate_database, refused_cleanly
from tests.polling import wait_for_lock_waiter, wait_until, waiting_on_lock


@pytest.fixture
def empty_db(admin_dsn):
    name = f"pingyi_migr_{_worker()}"
    conn = psycopg2.connect(recreate_database(admin_dsn, name))
    yield conn
    conn.close()
    recreate_database(admin_dsn, name, drop_only=True)


def tables(conn):
    with conn.cursor() as cur:
        cur.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")
        rows = [r[0] for r in cur.fetchall()]
    conn.rollback()
    return rows


def test_applies_to_an_empty_database_then_is_a_no_op(empty_db):
    assert tables(empty_db) == []
    applied = migrate.migrate(empty_db)
    assert applied == [m.name for m in migrate.load()]
    assert {"users", "campaigns", "voter_groups", "subjects", "rounds", "sections", "audit_log",
            "schema_migrations"} <= set(tables(empty_db))
    assert migrate.migrate(empty_db) == []
    assert migrate.pending(empty_db) == []


def test_a_changed_applied_file_is_refused(empty_db, tmp_path):
    folder = tmp_path / "migrations"
    shutil.copytree(migrate.MIGRATIONS_DIR, folder)
    migrate.migrate(empty_db, folder)
    first = sorted(folder.glob("*.sql"))[0]
    first.write_text(first.read_text() + "\n-- an innocent-looking edit\n")
    with pytest.raises(migrate.MigrationError) as exc:
        migrate.migrate(empty_db, folder)
    assert first.name in str(exc.value) and "changed after it was applied" in str(exc.value)


def test_a_new_file_is_applied_and_a_failing_one_rolls_back(empty_db, tmp_path):
    folder = tmp_path / "migrations"
    shutil.copytree(migrate.MIGRATIONS_DIR, folder)
    migrate.migrate(empty_db, folder)
    (folder / "9000_extra.sql").write_text("CREATE TABLE extra (id int);")
    assert migrate.migrate(empty_db, folder) == ["9000_extra.sql"]
    (folder / "9001_broken.sql").write_text("CREATE TABLE half (id int); SELECT no_such_function();")
    with pytest.raises(migrate.MigrationError, match="9001_broken.sql failed"):
        migrate.migrate(empty_db, folder)
    assert "half" not in tables(empty_db)
    assert [m.name for m in migrate.pending(empty_db, folder)] == ["9001_broken.sql"]


def test_badly_named_or_missing_files_are_refused(empty_db, tmp_path):
    folder = tmp_path / "migrations"
    shutil.copytree(migrate.MIGRATIONS_DIR, folder)
    (folder / "2_oops.sql").write_text("SELECT 1;")
    with pytest.raises(migrate.MigrationError, match="NNNN_slug"):
        migrate.load(folder)
    (folder / "2_oops.sql").unlink()
    migrate.migrate(empty_db, folder)
    sorted(folder.glob("*.sql"))[0].unlink()
    with pytest.raises(migrate.MigrationError, match="missing"):
        migrate.migrate(empty_db, folder)


def test_readyz_reports_pending_migrations(client, database, tmp_path, monkeypatch):
    assert client.get("/readyz").json == {"status": "ok"}
    folder = tmp_path / "migrations"
    shutil.copytree(migrate.MIGRATIONS_DIR, folder)
    (folder / "9999_later.sql").write_text("SELECT 1;")
    real_load = migrate.load
    monkeypatch.setattr(migrate, "load", lambda directory=folder: real_load(folder))
    r = client.get("/readyz")
    assert r.status_code == 503 and r.json["pending_migrations"] == ["9999_later.sql"]
    assert client.get("/healthz").status_code == 200


def _waited_seconds(dsn) -> float:
    """How long the backend waiting on an advisory lock has waited, by the server's clock."""
    with psycopg2.connect(dsn) as conn, conn.cursor() as cur:
        cur.execute("""SELECT coalesce(max(extract(epoch FROM now() - state_change)), 0) FROM pg_stat_activity
                       WHERE wait_event_type = 'Lock' AND wait_event = 'advisory'""")
        seconds = float(cur.fetchone()[0])
    conn.close()
    return seconds


def test_a_second_host_waits_for_the_first_to_finish_migrating(empty_db, monkeypatch):
    """Two hosts start at once: the second waits on the advisory lock for as long as the first
    takes (here longer than the DDL lock timeout), then finds nothing left to do."""
    monkeypatch.setattr(migrate, "LOCK_TIMEOUT", "500ms")
    first = psycopg2.connect(empty_db.dsn)
    with first.cursor() as cur:  # the first host, mid-migration, holds the lock
        cur.execute("SELECT pg_advisory_lock(%s)", (migrate._LOCK_KEY,))
    first.commit()
    outcome = {}

    def second_host():
        try:
            outcome["applied"] = migrate.migrate(psycopg2.connect(empty_db.dsn))
        except Exception as exc:  # noqa: BLE001 — the test reports whatever it was
            outcome["error"] = exc
    t = threading.Thread(target=second_host)
    t.start()
    wait_for_lock_waiter(empty_db.dsn, "the second host to wait on the migration lock", lock="advisory")
    # The first host's work outlasts three times the lock timeout the second sets once it holds the
    # lock: the server itself says how long the second has waited.
    wait_until(lambda: _waited_seconds(empty_db.dsn) >= 1.5, "the second host to wait 1.5 s for the lock")
    assert t.is_alive() and not outcome, outcome  # still waiting, not failed
    assert waiting_on_lock(empty_db.dsn, "advisory") == 1
    assert migrate.migrate(first) == [m.name for m in migrate.load()]  # the first finishes its work
    with first.cursor() as cur:
        cur.execute("SELECT pg_advisory_unlock(%s)", (migrate._LOCK_KEY,))
    first.commit()
    t.join(30)
    assert not t.is_alive()
    first.close()
    assert outcome == {"applied": []}


def test_readyz_says_503_when_the_database_is_unreachable(settings):
    import socket

    from service import create_app
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app = create_app({"SETTINGS": dataclasses.replace(
        settings, database_url=f"postgresql://nobody@127.0.0.1:{port}/none?connect_timeout=2")})
    r = app.test_client().get("/readyz")
    assert r.status_code == 503 and r.json["status"] == "unavailable"
    assert "nobody" not in r.get_data(as_text=True)  # no connection details leak
    assert app.test_client().get("/healthz").status_code == 200  # the process itself is up


def test_commands_report_a_changed_migration_without_a_traceback(admin_dsn, tmp_path, run_cli):
    dsn = recreate_database(admin_dsn, f"pingyi_cli_{_worker()}")
    env = {"DATABASE_URL": dsn, "PINGYI_VAR_DIR": str(tmp_path), "PINGYI_NEW_PASSWORD": "x" * 12}
    run = lambda *args: run_cli(*args, env=env)  # noqa: E731
    assert run("migrate").exit_code == 0
    with psycopg2.connect(dsn) as conn, conn.cursor() as cur:
        cur.execute("UPDATE schema_migrations SET checksum = 'tampered' WHERE version = 1")
    conn.close()
    for args in (["migrate"], ["demo"], ["create-user", "someone"], ["serve", "--no-demo"]):
        r = run(*args)
        assert refused_cleanly(r), (args, r.output, r.exception)
        assert "0001_init.sql was changed after it was applied" in r.stderr, (args, r.output)
    recreate_database(admin_dsn, f"pingyi_cli_{_worker()}", drop_only=True)
