"""The 公示 window (公开 #2): N working days by the official calendar — public holidays off,
adjusted working days (调休上班) on.

The chinese-calendar package knows the State Council's schedules up to the year it was
released; for later years an administrator enters the schedule (docs/calendar.md), and the
service hands those years to a `Calendar`. The package's data wins for every year it knows.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

import chinese_calendar

PACKAGE = f"chinese-calendar {chinese_calendar.__version__}"
PACKAGE_YEARS = range(min(chinese_calendar.holidays).year, max(chinese_calendar.holidays).year + 1)


class CalendarUnknown(Exception):
    """Neither the package nor the entered schedules know the official calendar of that year."""

    def __init__(self, year: int):
        super().__init__(f"{year} 年的法定节假日安排尚未录入")
        self.year = year


@dataclass(frozen=True)
class YearSchedule:
    """One year's State Council schedule: the days off (holiday ranges, their weekends included)
    and the weekend days worked instead (调休上班)."""
    year: int
    holidays: frozenset[dt.date]
    workdays: frozenset[dt.date] = frozenset()
    source: str = ""

    def is_workday(self, day: dt.date) -> bool:
        return day in self.workdays or (day.weekday() < 5 and day not in self.holidays)

    def working_days(self) -> int:
        """How many working days the year has (about 250; far off, and something is mistyped)."""
        first = dt.date(self.year, 1, 1)
        return sum(self.is_workday(first + dt.timedelta(days=i))
                   for i in range((dt.date(self.year + 1, 1, 1) - first).days))


def package_schedule(year: int) -> YearSchedule | None:
    """The package's own schedule for `year`, in the same form as an entered one."""
    if year not in PACKAGE_YEARS:
        return None
    return YearSchedule(year, frozenset(d for d in chinese_calendar.holidays if d.year == year),
                        frozenset(d for d in chinese_calendar.workdays if d.year == year), PACKAGE)


class Calendar:
    """Working days from the package for the years it knows, from the entered schedules for the
    years it lacks; any other year raises CalendarUnknown (never a guess)."""

    def __init__(self, entered: Mapping[int, YearSchedule] | None = None):
        self.entered = dict(entered or {})

    def source(self, year: int) -> str | None:
        """Where the calendar of `year` comes from: "package", "entered", or None."""
        if year in PACKAGE_YEARS:
            return "package"
        return "entered" if year in self.entered else None

    def is_workday(self, day: dt.date) -> bool:
        if day.year in PACKAGE_YEARS:
            return chinese_calendar.is_workday(day)
        schedule = self.entered.get(day.year)
        if schedule is None:
            raise CalendarUnknown(day.year)
        return schedule.is_workday(day)

    def window(self, start: dt.date, days: int) -> tuple[dt.date, dt.date]:
        """(first day, last day) of a publicity period of `days` working days that starts on
        `start`, or on the first working day after it."""
        if days < 1:
            raise ValueError("a publicity period has at least one working day")
        day = start
        while not self.is_workday(day):
            day += dt.timedelta(days=1)
        first, counted = day, 1
        while counted < days:
            day += dt.timedelta(days=1)
            if self.is_workday(day):
                counted += 1
        return first, day


def is_workday(day: dt.date, calendar: Calendar | None = None) -> bool:
    return (calendar or Calendar()).is_workday(day)


def window(start: dt.date, days: int, calendar: Calendar | None = None) -> tuple[dt.date, dt.date]:
    return (calendar or Calendar()).window(start, days)
