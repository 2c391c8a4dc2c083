"""SQL for webhooks (migrations/0022_webhooks.sql): endpoints, the outbox the audit log's trigger
writes, the worker's claims and the delivery log. Functions take `cur` (a dict cursor) and never
commit; the worker's claim holds its row's lock until the attempt is recorded."""
from __future__ import annotations

ENDPOINT_COLUMNS = ("id, campaign_id, url, secret, event_types, description, allow_private, disabled_at, "
                    "disabled_why, created_by, created_at")


def insert_endpoint(cur, data: dict, secret: str, actor: str) -> dict:
    cur.execute(f"""INSERT INTO webhook_endpoints (campaign_id, url, secret, event_types, description, allow_private,
                                                   created_by)
                    VALUES (%(campaign_id)s, %(url)s, %(secret)s, %(event_types)s, %(description)s,
                            %(allow_private)s, %(actor)s)
                    RETURNING {ENDPOINT_COLUMNS}""", {**data, "secret": secret, "actor": actor})
    return cur.fetchone()


def endpoints(cur) -> list[dict]:
    cur.execute(f"""SELECT {ENDPOINT_COLUMNS},
                           (SELECT count(*) FROM webhook_messages m WHERE m.endpoint_id = e.id
                                                                     AND m.state = 'pending') AS pending,
                           (SELECT count(*) FROM webhook_messages m WHERE m.endpoint_id = e.id
                                                                     AND m.state = 'failed') AS failed
                    FROM webhook_endpoints e ORDER BY id""")
    return cur.fetchall()


def endpoint(cur, endpoint_id: int, lock: bool = False) -> dict | None:
    cur.execute(f"SELECT {ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE id = %s" + (" FOR UPDATE" if lock else ""),
                (endpoint_id,))
    return cur.fetchone()


def set_disabled(cur, endpoint_id: int, why: str | None) -> None:
    cur.execute("""UPDATE webhook_endpoints SET disabled_at = CASE WHEN %(why)s::text IS NULL THEN NULL ELSE now() END,
                                               disabled_why = %(why)s
                   WHERE id = %(id)s""", {"id": endpoint_id, "why": why})


def delete_endpoint(cur, endpoint_id: int) -> None:
    cur.execute("DELETE FROM webhook_endpoints WHERE id = %s", (endpoint_id,))


def messages(cur, endpoint_id: int, limit: int = 100) -> list[dict]:
    cur.execute("""SELECT id, event_type, payload, state, attempts, next_attempt_at, last_status, last_error,
                          created_at, delivered_at
                   FROM webhook_messages WHERE endpoint_id = %s ORDER BY seq DESC LIMIT %s""",
                (endpoint_id, limit))
    return cur.fetchall()


def attempts(cur, message_ids: list[str]) -> list[dict]:
    cur.execute("""SELECT message_id, number, at, status, error, duration_ms FROM webhook_attempts
                   WHERE message_id = ANY(%s) ORDER BY message_id, number""", (message_ids,))
    return cur.fetchall()


def message(cur, message_id: str) -> dict | None:
    cur.execute("SELECT id, endpoint_id, event_type, state FROM webhook_messages WHERE id = %s", (message_id,))
    return cur.fetchone()


def insert_message(cur, endpoint_id: int, event_type: str, payload: str) -> str:
    cur.execute("""INSERT INTO webhook_messages (id, endpoint_id, event_type, payload)
                   VALUES ('msg_' || replace(gen_random_uuid()::text, '-', ''), %s, %s, %s) RETURNING id""",
                (endpoint_id, event_type, payload))
    return cur.fetchone()["id"]


def redeliver(cur, message_id: str, now) -> None:
    """Due again now, with the same id; its earlier attempts stay in the log."""
    cur.execute("""UPDATE webhook_messages SET state = 'pending', next_attempt_at = %s, attempts = 0
                   WHERE id = %s""", (now, message_id))


def claim_due(cur, now) -> dict | None:
    """The next due message of an enabled endpoint, locked (FOR UPDATE SKIP LOCKED: workers never
    take the same one; a worker that dies lets its lock go and the message stays due)."""
    cur.execute("""SELECT m.id, m.endpoint_id, m.event_type, m.payload, m.attempts, e.url, e.secret, e.allow_private
                   FROM webhook_messages m JOIN webhook_endpoints e ON e.id = m.endpoint_id
                   WHERE m.state = 'pending' AND m.next_attempt_at <= %s AND e.disabled_at IS NULL
                   ORDER BY m.next_attempt_at, m.seq
                   LIMIT 1
                   FOR UPDATE OF m SKIP LOCKED""", (now,))
    return cur.fetchone()


def record_attempt(cur, message_id: str, at, status: int | None, error: str | None, duration_ms: int) -> None:
    """The attempt, numbered after every earlier one (a redelivery keeps the log of those before)."""
    cur.execute("""INSERT INTO webhook_attempts (message_id, number, at, status, error, duration_ms)
                   SELECT %s, coalesce(max(number), 0) + 1, %s, %s, %s, %s
                   FROM webhook_attempts WHERE message_id = %s""",
                (message_id, at, status, error, duration_ms, message_id))


def settle(cur, message_id: str, state: str, attempts: int, next_at, status: int | None, error: str | None) -> None:
    cur.execute("""UPDATE webhook_messages
                   SET state = %s, attempts = %s, next_attempt_at = coalesce(%s, next_attempt_at), last_status = %s,
                       last_error = %s, delivered_at = CASE WHEN %s = 'delivered' THEN now() END
                   WHERE id = %s""", (state, attempts, next_at, status, error, state, message_id))


def announce_publicity(cur, now) -> int:
    """公示 started / ended, found by date in each campaign's time zone: one message per endpoint
    and campaign ever (the dedupe key), written whenever the worker first sees the day."""
    cur.execute("""SELECT coalesce(sum(webhook_enqueue(p.campaign_id, t.type,
                              jsonb_build_object('campaign_id', c.id, 'campaign_title', c.title,
                                                 'starts_on', p.starts_on, 'ends_on', p.ends_on),
                              %(now)s, t.type || ':' || p.campaign_id || ':' || p.starts_on)), 0)::integer AS n
                   FROM publications p JOIN campaigns c ON c.id = p.campaign_id
                   CROSS JOIN LATERAL (SELECT (%(now)s AT TIME ZONE coalesce(c.rules->>'time_zone', 'Asia/Shanghai'))::date
                                       AS today) d
                   CROSS JOIN LATERAL (VALUES ('publicity.started', d.today >= p.starts_on),
                                              ('publicity.ended', d.today > p.ends_on)) AS t(type, due)
                   WHERE t.due AND c.state IN ('published', 'archived')""", {"now": now})
    return cur.fetchone()["n"]
