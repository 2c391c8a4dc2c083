"""The 公示 window (公开 #2): N working days by the official calendar — public holidays off,
adjusted working days (调休上班) on — from the chinese-calendar package."""
from __future__ import annotations

import datetime as dt

import chinese_calendar


class CalendarUnknown(Exception):
    """The official calendar for that year is not in the installed chinese-calendar."""


def is_workday(day: dt.date) -> bool:
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        raise CalendarUnknown(f"the official holiday calendar for {day.year} is not known yet; "
                              "update the chinese-calendar package") from None


def window(start: dt.date, days: int) -> tuple[dt.date, dt.date]:
    """(first day, last day) of a publicity period of `days` working days that starts on
    `start`, or on the first working day after it."""
    if days < 1:
        raise ValueError("a publicity period has at least one working day")
    day = start
    while not is_workday(day):
        day += dt.timedelta(days=1)
    first, counted = day, 1
    while counted < days:
        day += dt.timedelta(days=1)
        if is_workday(day):
            counted += 1
    return first, day
