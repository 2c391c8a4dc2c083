"""`python -m service calendar load|show`: the holiday schedules the 公示 windows are counted
with (docs/calendar.md). service.core.cli registers the group."""
from __future__ import annotations

import click

from service.core import db as dbmod


@click.group("calendar")
def calendar_cmd():
    """节假日安排: the official holiday schedule for years chinese-calendar does not know
    (docs/calendar.md)."""


def _actor() -> str:
    import getpass
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):  # no name for this uid (a bare container)
        return "cli"


_CALENDAR_MAX_BYTES = 256 * 1024


@calendar_cmd.command("load")
@click.argument("file", type=click.File("rb"))
@click.option("--check", is_flag=True, help="only check the file and show what it says; store nothing")
def calendar_load_cmd(file, check):
    """Enter (or replace) a year's schedule from FILE, e.g. holidays-2027.txt."""
    from service.core.errors import Invalid
    from service.publication import calendar as holiday_calendar

    try:
        data = file.read(_CALENDAR_MAX_BYTES + 1)
        if len(data) > _CALENDAR_MAX_BYTES:
            raise click.ClickException(f"{file.name}: 文件过大，一年的安排不会超过 {_CALENDAR_MAX_BYTES // 1024} KB")
        schedule = holiday_calendar.parse(holiday_calendar.read(data))
    except Invalid as exc:
        raise click.ClickException(f"{file.name}: 未保存\n" + "\n".join(exc.details["problems"])) from None
    shown = holiday_calendar.preview(schedule)
    click.echo(shown["text"] + f"# 全年 {shown['working_days']} 个工作日")
    if shown["overridden"]:
        click.echo(f"注意：{schedule.year} 年已由 chinese-calendar 提供，以软件包为准，这份录入不会被使用", err=True)
    if check:
        return
    from service.core import cli
    with dbmod.connect(cli._dsn(cli._settings())) as conn:
        cli._migrate(conn)
        with conn.cursor(cursor_factory=dbmod.psycopg2.extras.RealDictCursor) as cur:
            row = holiday_calendar.enter_year(cur, _actor(), schedule)
        conn.commit()
    click.echo(f"{'已替换' if row['replaced'] else '已录入'} {schedule.year} 年的节假日安排")


@calendar_cmd.command("show")
@click.argument("year", type=int, required=False)
def calendar_show_cmd(year):
    """Without YEAR: which years are known and where from; with it: that year as a file."""
    from ballots import holiday_file, publicity
    from service.core import cli
    from service.publication import calendar as holiday_calendar
    with dbmod.connect(cli._dsn(cli._settings())) as conn:
        cli._migrate(conn)
        with conn.cursor(cursor_factory=dbmod.psycopg2.extras.RealDictCursor) as cur:
            found = holiday_calendar.year_schedule(cur, year) if year else None
            entered = holiday_calendar.entered_years(cur)
        conn.rollback()
    if year is None:
        years = publicity.PACKAGE_YEARS
        click.echo(f"{years[0]}–{years[-1]}: {publicity.PACKAGE}")
        for r in entered:
            status = "使用中" if r["used"] else "未使用（软件包已含该年）"
            click.echo(f"{r['year']}: 录入，{status}，{r['entered_by']} {r['entered_at']:%Y-%m-%d %H:%M}")
        return
    if found is None:
        raise click.ClickException(f"{year} 年的节假日安排尚未录入（{holiday_calendar.COMMAND}）")
    click.echo(holiday_file.format_schedule(found), nl=False)
