"""节假日安排: the official holiday schedules an administrator enters for years the
chinese-calendar package does not know, and the calendar the 公示 window is counted with
(docs/calendar.md). Operations take the cursor; none commits."""
from __future__ import annotations

from ballots import holiday_file, publicity
from ballots.publicity import YearSchedule
from service.core.errors import Invalid
from service.core.event_queries import insert_event
from service.publication import calendar_queries as q
from service.publication.errors import CalendarUnknown, ScheduleInvalid

PAGE = "/admin/calendar"
COMMAND = "python -m service calendar load 文件"


def read(data: bytes) -> str:
    """An uploaded file's text, or Invalid (422) if it is not text."""
    try:
        return holiday_file.decode(data)
    except holiday_file.ScheduleInvalid as exc:
        raise _invalid(exc) from None


def parse(text: str) -> YearSchedule:
    """A schedule file's text → its schedule, or Invalid (422) whose details.problems list every
    problem with its line number."""
    try:
        return holiday_file.parse(text)
    except holiday_file.ScheduleInvalid as exc:
        raise _invalid(exc) from None


def _invalid(exc: holiday_file.ScheduleInvalid) -> Invalid:
    return ScheduleInvalid("节假日安排有误，未保存：" + exc.problems[0], {"problems": exc.problems})


def _schedule(row) -> YearSchedule:
    return YearSchedule(row["year"], frozenset(row["holidays"]), frozenset(row["workdays"]), row["source"])


def calendar(cur) -> publicity.Calendar:
    """The calendar with every entered year (the package's own years still win)."""
    return publicity.Calendar({row["year"]: _schedule(row) for row in q.list_holiday_years(cur)})


def refusal(exc: publicity.CalendarUnknown) -> Invalid:
    """The 422 for a window that reaches a year nobody knows: what to enter, and where."""
    return CalendarUnknown(f"{exc.year} 年的法定节假日安排尚未录入：请管理员在「节假日安排」页面（{PAGE}）"
                   f"或用命令 `{COMMAND}` 录入国务院办公厅公布的 {exc.year} 年放假和调休日期",
                   {"year": exc.year, "page": PAGE, "command": COMMAND})


def enter_year(cur, actor: str, schedule: YearSchedule) -> dict:
    """Store the year's schedule, replacing an earlier entry of that year; an event records it."""
    row = q.upsert_holiday_year(cur, schedule.year, sorted(schedule.holidays), sorted(schedule.workdays),
                                schedule.source, actor)
    insert_event(cur, actor, "calendar.year_entered", details={
        "year": schedule.year, "source": schedule.source, "replaced": row["replaced"],
        "holidays": [d.isoformat() for d in sorted(schedule.holidays)],
        "workdays": [d.isoformat() for d in sorted(schedule.workdays)],
        "used": schedule.year not in publicity.PACKAGE_YEARS})
    return row


def entered_years(cur) -> list[dict]:
    """Every entered year, newest first, with whether it is used and, for a year the package
    knows too, whether the two agree."""
    out = []
    for row in q.list_holiday_years(cur):
        schedule = _schedule(row)
        package = publicity.package_schedule(row["year"])
        out.append({**row, "schedule": schedule, "text": holiday_file.format_schedule(schedule),
                    "used": package is None,
                    "agrees": package is not None and (package.holidays, package.workdays)
                    == (schedule.holidays, schedule.workdays)})
    return out


def year_schedule(cur, year: int) -> YearSchedule | None:
    """The schedule the calendar uses for `year` (the package's, whose source names it, or the
    entered one), or None."""
    package = publicity.package_schedule(year)
    if package is not None:
        return package
    row = next((r for r in q.list_holiday_years(cur) if r["year"] == year), None)
    return _schedule(row) if row else None


def preview(schedule: YearSchedule) -> dict:
    """What the page shows before saving: the ranges as the notice lists them, the count of
    working days, and whether the package's data will take precedence."""
    return {"schedule": schedule, "text": holiday_file.format_schedule(schedule),
            "working_days": schedule.working_days(), "overridden": schedule.year in publicity.PACKAGE_YEARS,
            "holidays": [(a, b, holiday_file.describe(a, b)) for a, b in holiday_file.runs(schedule.holidays)],
            "workdays": [(d, holiday_file.describe(d, d)) for d in sorted(schedule.workdays)]}
