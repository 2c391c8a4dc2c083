"""SQL for the embedding allowlist (migrations/0023_embeds.sql). Functions take `cur` (a dict
cursor) and never commit."""
from __future__ import annotations


def origins(cur) -> list[dict]:
    cur.execute("SELECT origin, note, added_by, added_at FROM embed_origins ORDER BY origin")
    return cur.fetchall()


def origin_names(cur) -> list[str]:
    cur.execute("SELECT origin FROM embed_origins ORDER BY origin")
    return [r["origin"] for r in cur.fetchall()]


def is_listed(cur, origin: str) -> bool:
    cur.execute("SELECT 1 FROM embed_origins WHERE origin = %s", (origin,))
    return cur.fetchone() is not None


def insert_origin(cur, origin: str, note: str, actor: str) -> bool:
    """False when the origin is listed already (nothing written)."""
    cur.execute("""INSERT INTO embed_origins (origin, note, added_by) VALUES (%s, %s, %s)
                   ON CONFLICT (origin) DO NOTHING
                   RETURNING origin""", (origin, note, actor))
    return cur.fetchone() is not None


def delete_origin(cur, origin: str) -> bool:
    cur.execute("DELETE FROM embed_origins WHERE origin = %s RETURNING origin", (origin,))
    return cur.fetchone() is not None
