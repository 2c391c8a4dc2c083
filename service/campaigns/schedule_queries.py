"""SQL for scheduled voting: the campaigns whose rounds' times say they should now open or close.
Functions take `cur` first and never commit."""
from __future__ import annotations


def due(cur, at) -> list[tuple[int, str]]:
    """[(campaign id, target state)]: announced campaigns one of whose rounds opens by `at`, and
    open campaigns every round of which has a closing time, all passed by `at`."""
    cur.execute(
        """SELECT c.id, 'open' AS target FROM campaigns c
           WHERE c.state = 'announced' AND EXISTS (
               SELECT 1 FROM rounds r WHERE r.campaign_id = c.id AND r.opens_at <= %(at)s)
           UNION ALL
           SELECT c.id, 'closed' FROM campaigns c
           WHERE c.state = 'open' AND EXISTS (SELECT 1 FROM rounds r WHERE r.campaign_id = c.id)
             AND NOT EXISTS (SELECT 1 FROM rounds r WHERE r.campaign_id = c.id
                             AND (r.closes_at IS NULL OR r.closes_at > %(at)s))
           ORDER BY 1""", {"at": at})
    return [(r["id"], r["target"]) for r in cur.fetchall()]


def round_window(cur, round_id):
    cur.execute("SELECT opens_at, closes_at FROM rounds WHERE id = %s", (round_id,))
    row = cur.fetchone()
    return (row["opens_at"], row["closes_at"]) if row else (None, None)
