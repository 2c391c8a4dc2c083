"""Liveness and readiness probes."""
from __future__ import annotations

import psycopg2
from flask import Blueprint, current_app, jsonify

from service.core import db, migrate

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    return jsonify({"status": "ok"})


@bp.get("/readyz")
def readyz():
    try:
        with db.transaction() as cur:
            conn = cur.connection
            cur.execute("SELECT 1")
        todo = migrate.check(_applied(conn), migrate.load())
    except (psycopg2.Error, migrate.MigrationError) as exc:
        current_app.logger.warning("not ready: %s", type(exc).__name__)
        return jsonify({"status": "unavailable", "database": "unreachable or inconsistent"}), 503
    if todo:
        return jsonify({"status": "unavailable", "pending_migrations": [m.name for m in todo]}), 503
    return jsonify({"status": "ok"})


def _applied(conn):
    with conn.cursor() as cur:
        rows = migrate.applied(cur)
    conn.rollback()
    return rows
