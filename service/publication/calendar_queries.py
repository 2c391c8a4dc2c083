"""SQL for the holiday schedules entered for years the chinese-calendar package lacks."""
from __future__ import annotations


def upsert_holiday_year(cur, year, holidays, workdays, source, entered_by):
    """Insert the year's schedule or replace the one entered before; returns the row and
    whether it replaced one."""
    cur.execute(
        """INSERT INTO holiday_years AS h (year, holidays, workdays, source, entered_by)
           VALUES (%s, %s::date[], %s::date[], %s, %s)
           ON CONFLICT (year) DO UPDATE
           SET holidays = excluded.holidays,
               workdays = excluded.workdays,
               source = excluded.source,
               entered_by = excluded.entered_by,
               entered_at = now()
           RETURNING year, holidays, workdays, source, entered_by, entered_at,
                     (xmax <> 0) AS replaced""",
        (year, holidays, workdays, source, entered_by),
    )
    return cur.fetchone()


def list_holiday_years(cur):
    cur.execute(
        """SELECT year, holidays, workdays, source, entered_by, entered_at
           FROM holiday_years
           ORDER BY year DESC"""
    )
    return cur.fetchall()
