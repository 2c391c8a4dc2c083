"""SQL for the admin event record (the hash-chained audit log replaces its writer later): a query
module like each feature's queries.py, shared by all of them."""
from __future__ import annotations

from psycopg2.extras import Json


def insert_event(cur, actor, action, campaign_id=None, details=None):
    cur.execute(
        """INSERT INTO events (campaign_id, actor, action, details)
           VALUES (%s, %s, %s, %s)""",
        (campaign_id, actor, action, Json(details or {})),
    )


def list_events(cur, campaign_id=None, limit=200):
    cur.execute(
        """SELECT id, campaign_id, actor, action, details, created_at
           FROM events
           WHERE %s IS NULL OR campaign_id = %s
           ORDER BY id DESC
           LIMIT %s""",
        (campaign_id, campaign_id, limit),
    )
    return cur.fetchall()
