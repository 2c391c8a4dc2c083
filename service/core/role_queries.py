"""SQL that grants a database role what the service needs and no more (docs/operations.md,
`python -m service grant-role ROLE`, run by the role that owns the tables): every table read and
written, the audit record only read and appended to (its tables refuse UPDATE, DELETE and
TRUNCATE by privilege as well as by their triggers, and a role that does not own a table cannot
disable its triggers), no table truncated, nothing created or altered."""
from __future__ import annotations

from psycopg2 import sql

APPEND_ONLY = ("audit_log", "checkpoints", "audit_signing_keys")


def grant_service_role(cur, role: str) -> None:
    who = sql.Identifier(role)
    cur.execute(sql.SQL("GRANT USAGE ON SCHEMA public TO {}").format(who))
    cur.execute(sql.SQL("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {}").format(who))
    cur.execute(sql.SQL("GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {}").format(who))
    cur.execute(sql.SQL("REVOKE TRUNCATE, REFERENCES, TRIGGER ON ALL TABLES IN SCHEMA public FROM {}").format(who))
    for table in APPEND_ONLY:
        cur.execute(sql.SQL("REVOKE UPDATE, DELETE ON {} FROM {}").format(sql.Identifier(table), who))
    cur.execute(sql.SQL("REVOKE UPDATE, INSERT, DELETE ON schema_migrations FROM {}").format(who))


def role_exists(cur, role: str) -> bool:
    cur.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,))
    return cur.fetchone() is not None
