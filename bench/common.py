"""Shared set-up for the benchmarks: a real PostgreSQL (embedded unless DATABASE_URL is set),
a fresh database with the real migrations, the app, and an announced demo-like campaign."""
from __future__ import annotations

import os
import secrets
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import psycopg2  # noqa: E402
from psycopg2.extensions import make_dsn, parse_dsn  # noqa: E402

from service.core import embedded_pg, migrate  # noqa: E402
from service.core.config import Settings  # noqa: E402


def fresh_database(name: str) -> str:
    admin = os.environ.get("DATABASE_URL")
    if not admin:
        var = Path(tempfile.mkdtemp(prefix="pingyi-bench-"))
        admin = embedded_pg.ensure(var, database="postgres", cleanup_mode="delete")
    conn = psycopg2.connect(admin)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cur.execute(f'CREATE DATABASE "{name}"')
    conn.close()
    params = parse_dsn(admin)
    params["dbname"] = name
    dsn = make_dsn(**params)
    with psycopg2.connect(dsn) as c:
        migrate.migrate(c)
    c.close()
    return dsn


def drop_database(dsn: str) -> None:
    """Drop a bench's database (its data can be gigabytes), from the server's maintenance database."""
    params = parse_dsn(dsn)
    name, params["dbname"] = params["dbname"], "postgres"
    conn = psycopg2.connect(make_dsn(**params))
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    conn.close()


def make_app(dsn: str):
    from service import create_app
    settings = Settings.from_env({"PINGYI_ENV": "test", "DATABASE_URL": dsn, "SECRET_KEY": secrets.token_urlsafe(40),
                                  "PINGYI_VAR_DIR": tempfile.mkdtemp(prefix="pingyi-bench-var-"),
                                  "BASE_URL": "https://pingyi.example-university.edu.cn", "LOG_LEVEL": "WARNING"})
    return create_app({"SETTINGS": settings})


def announced_campaign(app) -> tuple[dict, dict]:
    """An announced campaign made by the demo data code, and an organiser API key's headers."""
    import psycopg2.extras

    from service.accounts.auth import ROLES, Principal
    from service.accounts.operations import create_api_key, create_user
    from service.accounts.schemas import ApiKeyIn
    from service.campaigns.demo import create_campaign

    with psycopg2.connect(app.config["DATABASE_DSN"], cursor_factory=psycopg2.extras.RealDictCursor) as conn:
        with conn.cursor() as cur:
            user = create_user(cur, None, {"username": "bench", "password": secrets.token_urlsafe(16),
                                           "role": "admin"})
            actor = Principal("user", user["id"], "bench", ROLES["admin"], "admin")
            cid = create_campaign(cur, actor)  # the demo campaign comes announced
            key = create_api_key(cur, actor, ApiKeyIn().load({"name": "bench", "scopes": ["organise"],
                                                              "rate_per_minute": 10000}))["key"]
            cur.execute("SELECT id FROM rounds WHERE campaign_id = %s ORDER BY position LIMIT 1", (cid,))
            rid = cur.fetchone()["id"]
            cur.execute("SELECT id FROM voter_groups WHERE campaign_id = %s ORDER BY position LIMIT 1", (cid,))
            gid = cur.fetchone()["id"]
    conn.close()
    return {"id": cid, "round": rid, "group": gid}, {"Authorization": f"Bearer {key}"}
