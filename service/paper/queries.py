"""SQL for the paper count. Functions take `cur` first and never commit."""
from __future__ import annotations


def sheet_for_update(cur, sheet: bytes):
    """The pending sheet, locked to the end of the transaction (two tellers at once: one waits)."""
    cur.execute("SELECT campaign_id, round_id, state, entries FROM paper_sheets WHERE sheet = %s FOR UPDATE", (sheet,))
    return cur.fetchone()


def lock_sheet(cur, sheet: bytes) -> None:
    """Serialise everything done to one sheet, pending or not yet (an advisory lock on its name)."""
    cur.execute("SELECT pg_advisory_xact_lock(%s)", (int.from_bytes(sheet[:8], "big", signed=True),))


def insert_sheet(cur, sheet, campaign_id, round_id, entries: bytes, state: str) -> None:
    cur.execute("INSERT INTO paper_sheets (sheet, campaign_id, round_id, state, entries) VALUES (%s, %s, %s, %s, %s)",
                (sheet, campaign_id, round_id, state, entries))


def update_sheet(cur, sheet, state, entries: bytes) -> None:
    cur.execute("UPDATE paper_sheets SET state = %s, entries = %s WHERE sheet = %s", (state, entries, sheet))


def delete_sheet(cur, sheet) -> None:
    cur.execute("DELETE FROM paper_sheets WHERE sheet = %s", (sheet,))


def settled(cur, sheet):
    cur.execute("SELECT outcome FROM paper_settled WHERE sheet = %s", (sheet,))
    row = cur.fetchone()
    return row["outcome"] if row else None


def mark_settled(cur, sheet, campaign_id, outcome) -> None:
    cur.execute("INSERT INTO paper_settled (sheet, campaign_id, outcome) VALUES (%s, %s, %s)", (sheet, campaign_id, outcome))


def add_count(cur, campaign_id, round_id, group_id, kind, section_id=0, reason="") -> None:
    cur.execute(
        """INSERT INTO paper_counts AS p (campaign_id, round_id, group_id, kind, section_id, reason, n)
           VALUES (%s, %s, %s, %s, %s, %s, 1)
           ON CONFLICT (round_id, group_id, kind, section_id, reason) DO UPDATE SET n = p.n + 1""",
        (campaign_id, round_id, group_id or 0, kind, section_id or 0, reason))


def counts(cur, campaign_id) -> list[dict]:
    cur.execute("""SELECT round_id, group_id, kind, section_id, reason, n FROM paper_counts WHERE campaign_id = %s
                   ORDER BY round_id, kind, group_id, section_id, reason""", (campaign_id,))
    return cur.fetchall()


def pending(cur, campaign_id) -> list[dict]:
    cur.execute("""SELECT round_id, state, count(*) AS n FROM paper_sheets WHERE campaign_id = %s
                   GROUP BY round_id, state""", (campaign_id,))
    return cur.fetchall()


# --- scans (service/paper/scans.py) ---------------------------------------------------------

def new_job(cur, job_id: bytes, campaign_id, total: int) -> None:
    cur.execute("INSERT INTO paper_scan_jobs (id, campaign_id, total) VALUES (%s, %s, %s)", (job_id, campaign_id, total))


def job_progress(cur, job_id: bytes, done: int, sheets: int, problems: list, finished: bool) -> None:
    from psycopg2.extras import Json
    cur.execute("UPDATE paper_scan_jobs SET done = %s, sheets = %s, problems = %s, finished = %s WHERE id = %s",
                (done, sheets, Json(problems), finished, job_id))


def job(cur, job_id: bytes):
    cur.execute("SELECT campaign_id, total, done, sheets, problems, finished FROM paper_scan_jobs WHERE id = %s", (job_id,))
    return cur.fetchone()


def insert_scan(cur, scan_id, sheet, campaign_id, round_id, sealed_code, flagged, to_type) -> None:
    cur.execute("""INSERT INTO paper_scans (id, sheet, campaign_id, round_id, sealed_code, flagged, to_type)
                   VALUES (%s, %s, %s, %s, %s, %s, %s)""", (scan_id, sheet, campaign_id, round_id, sealed_code, flagged, to_type))


def scans(cur, campaign_id) -> list[dict]:
    cur.execute("""SELECT id, sheet, round_id, flagged, to_type FROM paper_scans WHERE campaign_id = %s ORDER BY id""",
                (campaign_id,))
    return cur.fetchall()


def scan(cur, scan_id: bytes):
    cur.execute("SELECT id, sheet, campaign_id, round_id, sealed_code, flagged, to_type FROM paper_scans WHERE id = %s",
                (scan_id,))
    return cur.fetchone()


def delete_scans(cur, sheet: bytes) -> list[bytes]:
    """The sheet's scans, deleted; their ids (the files go once the transaction commits)."""
    cur.execute("DELETE FROM paper_scans WHERE sheet = %s RETURNING id", (sheet,))
    return [bytes(r["id"]) for r in cur.fetchall()]


def unfinished_jobs(cur, campaign_id) -> int:
    """Uploads still being read: their ballots may yet be claimed."""
    cur.execute("SELECT count(*) AS n FROM paper_scan_jobs WHERE campaign_id = %s AND NOT finished", (campaign_id,))
    return cur.fetchone()["n"]
