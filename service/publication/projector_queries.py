"""SQL for the hall's projector: whether it shows the results (当场公布). Functions take `cur` and
never commit."""
from __future__ import annotations


def shows_results(cur, campaign_id) -> bool:
    cur.execute("SELECT projector_results FROM campaigns WHERE id = %s", (campaign_id,))
    row = cur.fetchone()
    return bool(row and row["projector_results"])


def set_shows_results(cur, campaign_id, show: bool) -> bool:
    """Set the switch; True when it changed."""
    cur.execute("UPDATE campaigns SET projector_results = %s WHERE id = %s AND projector_results <> %s",
                (show, campaign_id, show))
    return cur.rowcount == 1
