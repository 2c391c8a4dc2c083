"""The service run as a database role that does not own its tables (docs/operations.md,
`python -m service grant-role ROLE`): the whole life of a round works, and the audit record is
refused UPDATE, DELETE and TRUNCATE by privilege, not only by its triggers, which such a role
cannot disable (issue 11). This module's `client` is an app connected as that role, so the shared
fixtures (full_campaign, closed_round) run as it."""
from __future__ import annotations

import dataclasses
import io

import psycopg2
import pytest
from click.testing import CliRunner
from psycopg2.extensions import make_dsn, parse_dsn

from ballots import verify
from service import create_app
from tests.conftest import _worker
from tests.helpers import bundle_of, superuser

ROLE = f"pingyi_service_{_worker()}"


@pytest.fixture(scope="module")
def role_dsn(database, settings):
    from service.core import cli
    with superuser(database) as c, c.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (ROLE,))
        if cur.fetchone():
            cur.execute(f"DROP OWNED BY {ROLE}; DROP ROLE {ROLE}")
        cur.execute(f"CREATE ROLE {ROLE} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE")
    env = {"DATABASE_URL": database, "PINGYI_VAR_DIR": str(settings.var_dir), "SECRET_KEY": settings.secret_key,
           "PINGYI_ENV": "test"}
    r = CliRunner().invoke(cli.main, ["grant-role", ROLE], env=env)
    assert r.exit_code == 0 and f"granted {ROLE}" in r.output, r.output
    yield make_dsn(**{**parse_dsn(database), "user": ROLE})
    with superuser(database) as c, c.cursor() as cur:
        cur.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = %s", (ROLE,))
        cur.execute(f"DROP OWNED BY {ROLE}; DROP ROLE {ROLE}")
    c.close()


@pytest.fixture(scope="module")
def role_app(role_dsn, settings):
    return create_app({"SETTINGS": dataclasses.replace(settings, database_url=role_dsn), "TESTING": True})


@pytest.fixture
def client(role_app):
    return role_app.test_client()


def test_a_round_runs_as_the_role_and_its_bundle_verifies(client, closed_round, auditor_key, role_dsn):
    with psycopg2.connect(role_dsn) as c, c.cursor() as cur:
        cur.execute("SELECT current_user, (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)")
        assert cur.fetchone() == (ROLE, False)
    c.close()
    steps = verify.verify(io.BytesIO(bundle_of(client, auditor_key, closed_round)))
    assert [s.status for s in steps] == [verify.PASS] * 9, [(s.number, s.details) for s in steps]


@pytest.mark.parametrize("table", ["audit_log", "checkpoints", "audit_signing_keys"])
@pytest.mark.parametrize("statement", ["UPDATE {t} SET created_at = created_at", "DELETE FROM {t}", "TRUNCATE {t}",
                                       "ALTER TABLE {t} DISABLE TRIGGER USER",
                                       "SET session_replication_role = replica"])
def test_the_role_cannot_rewrite_the_audit_record(closed_round, role_dsn, table, statement):
    c = psycopg2.connect(role_dsn)
    with c.cursor() as cur:
        cur.execute(f"SELECT count(*) FROM {table}")  # it may read
        assert cur.fetchone()[0] > 0
        with pytest.raises(psycopg2.errors.InsufficientPrivilege) as refused:
            cur.execute(statement.format(t=table))
    assert "permission denied" in str(refused.value) or "must be owner" in str(refused.value)
    assert "append-only" not in str(refused.value)  # refused by privilege, before any trigger
    c.close()
