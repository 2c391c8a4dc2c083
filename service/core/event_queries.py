"""SQL for the audit log (migrations/0020_audit_log.sql, docs/audit.md): every admin and
ballot-lifecycle event is appended to its campaign's hash chain, or the service's (chain 0),
in the transaction of the change it records. A query module like each feature's queries.py,
shared by all of them."""
from __future__ import annotations

from psycopg2.extras import Json

SERVICE_CHAIN = 0  # users, API keys, sign-ins, the calendar: what belongs to no campaign


def insert_event(cur, actor, action, campaign_id=None, details=None):
    """Append the event to its chain (audit_append: the chain's lock, its head, the entry's hash)."""
    cur.execute("SELECT audit_append(%s, %s, %s, %s)",
                (SERVICE_CHAIN if campaign_id is None else campaign_id, action, actor, Json(details or {})))


def list_events(cur, campaign_id=None, limit=200):
    cur.execute(
        """SELECT chain, height, encode(entry_hash, 'hex') AS hash, NULLIF(chain, 0) AS campaign_id, actor, type AS action,
                  payload::jsonb AS details, created_at
           FROM audit_log
           WHERE %s IS NULL OR chain = %s
           ORDER BY created_at DESC, chain DESC, height DESC
           LIMIT %s""",
        (campaign_id, campaign_id, limit),
    )
    return cur.fetchall()
