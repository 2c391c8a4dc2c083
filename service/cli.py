"""Command line: `python -m service.cli COMMAND` (the same commands under `flask --app service`).

serve · migrate · create-user · demo · settle
"""
from __future__ import annotations

import os
import sys

import click

from . import db as dbmod
from . import embedded_pg, migrate as migrations
from .config import ConfigError, Settings


def _settings() -> Settings:
    """The settings, or the command ends with the message that names the bad variable."""
    try:
        return Settings.from_env()
    except ConfigError as exc:
        raise click.ClickException(f"configuration: {exc}") from None


def _dsn(settings: Settings) -> str:
    return settings.database_url or embedded_pg.ensure(settings.var_dir)


def _migrate(conn) -> list[str]:
    """Apply pending migrations; a refused or failing one ends the command with its message."""
    try:
        return migrations.migrate(conn)
    except migrations.MigrationError as exc:
        raise click.ClickException(str(exc)) from None


@click.group()
def main():
    """Pingyi (评议) service commands."""


@main.command("migrate")
def migrate_cmd():
    """Apply pending database migrations."""
    settings = _settings()
    with dbmod.connect(_dsn(settings)) as conn:
        done = _migrate(conn)
    click.echo("applied: " + ", ".join(done) if done else "migrations: up to date")


@main.command("create-user")
@click.argument("username")
@click.option("--role", type=click.Choice(["admin", "organiser", "auditor", "viewer"]), default="organiser")
@click.option("--password", envvar="PINGYI_NEW_PASSWORD", help="default: prompt (or $PINGYI_NEW_PASSWORD)")
def create_user_cmd(username, role, password):
    """Create a user account."""
    from marshmallow import ValidationError

    from . import accounts
    from .errors import APIError
    from .schemas import UserIn

    if password is None:
        password = click.prompt("password", hide_input=True, confirmation_prompt=True)
    try:
        data = UserIn().load({"username": username, "password": password, "role": role})
    except ValidationError as exc:
        raise click.ClickException(str(exc.messages)) from None
    settings = _settings()
    with dbmod.connect(_dsn(settings)) as conn:
        _migrate(conn)
        with conn.cursor(cursor_factory=dbmod.psycopg2.extras.RealDictCursor) as cur:
            try:
                accounts.create_user(cur, None, data)
            except APIError as exc:
                raise click.ClickException(exc.message) from None
        conn.commit()
    click.echo(f"created {role} {username}")


@main.command("settle")
def settle_cmd():
    """Rewrite the ballots and hand-outs made since the last pass in random order (serve does it
    every SETTLE_SECONDS; this is for cron or a one-off)."""
    from . import settle

    settings = _settings()
    dsn = _dsn(settings)
    with dbmod.connect(dsn) as conn:
        _migrate(conn)
    done = settle.run_once(dsn)
    if not done:
        click.echo("another process is settling")
        return
    click.echo(f"settled {done.get('ballots', 0)} ballots and {done.get('handouts', 0)} hand-outs"
               + (f"; rewrote the ballot tables for closed campaigns {done['scrubbed']}" if done.get("scrubbed") else ""))


@main.group("calendar")
def calendar_cmd():
    """节假日安排: the official holiday schedule for years chinese-calendar does not know
    (docs/calendar.md)."""


def _actor() -> str:
    import getpass
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):  # no name for this uid (a bare container)
        return "cli"


@calendar_cmd.command("load")
@click.argument("file", type=click.File("rb"))
@click.option("--check", is_flag=True, help="only check the file and show what it says; store nothing")
def calendar_load_cmd(file, check):
    """Enter (or replace) a year's schedule from FILE, e.g. holidays-2027.txt."""
    from . import holiday_calendar
    from .errors import Invalid

    try:
        schedule = holiday_calendar.parse(holiday_calendar.read(file.read()))
    except Invalid as exc:
        raise click.ClickException(f"{file.name}: 未保存\n" + "\n".join(exc.details["problems"])) from None
    shown = holiday_calendar.preview(schedule)
    click.echo(shown["text"] + f"# 全年 {shown['working_days']} 个工作日")
    if shown["overridden"]:
        click.echo(f"注意：{schedule.year} 年已由 chinese-calendar 提供，以软件包为准，这份录入不会被使用", err=True)
    if check:
        return
    with dbmod.connect(_dsn(_settings())) as conn:
        _migrate(conn)
        with conn.cursor(cursor_factory=dbmod.psycopg2.extras.RealDictCursor) as cur:
            row = holiday_calendar.enter_year(cur, _actor(), schedule)
        conn.commit()
    click.echo(f"{'已替换' if row['replaced'] else '已录入'} {schedule.year} 年的节假日安排")


@calendar_cmd.command("show")
@click.argument("year", type=int, required=False)
def calendar_show_cmd(year):
    """Without YEAR: which years are known and where from; with it: that year as a file."""
    from ballots import holiday_file, publicity
    from . import holiday_calendar

    with dbmod.connect(_dsn(_settings())) as conn:
        _migrate(conn)
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


@main.command("demo")
def demo_cmd():
    """Create the demo admin and campaign if the database has no users yet."""
    from .demo import ensure_demo

    settings = _settings()
    with dbmod.connect(_dsn(settings)) as conn:
        _migrate(conn)
        ensure_demo(conn, click.echo)


def _env(name, default):
    """An option's default from the environment; click checks it against the option's type and
    range, so PORT=abc stops with a message naming the option, not a traceback."""
    return lambda: os.environ.get(name) or default


@main.command("serve")
@click.option("--host", default=_env("HOST", "127.0.0.1"), show_default="127.0.0.1")
@click.option("--port", default=_env("PORT", "8000"), type=click.IntRange(1, 65535), show_default="8000")
@click.option("--workers", default=_env("WEB_CONCURRENCY", "0"), type=click.IntRange(0, 64),
              help="gunicorn workers (default: 2 × cores, at most 8)")
@click.option("--worker-class", default=_env("WEB_WORKER_CLASS", "sync"),
              type=click.Choice(["sync", "gthread"]), help="gunicorn worker class (default sync)")
@click.option("--threads", default=_env("WEB_THREADS", "1"), type=click.IntRange(1, 64),
              help="threads per gthread worker (default 1)")
@click.option("--no-demo", is_flag=True, help="do not create the demo admin and campaign on first start")
def serve_cmd(host, port, workers, worker_class, threads, no_demo):
    """Migrate, create demo data on first start, and serve with gunicorn."""
    from .demo import ensure_demo
    from .server import run

    settings = _settings()
    from urllib.parse import urlsplit
    path = urlsplit(settings.base_url).path
    if path.strip("/") and path.upper() != path:
        click.echo(f"WARNING: BASE_URL has a path ({path}) in lower case: ballot QR codes cannot use QR's "
                   "compact alphanumeric mode, so they are larger and printing is slower (docs/issuance.md)",
                   err=True)
    dsn = _dsn(settings)
    with dbmod.connect(dsn) as conn:
        applied = _migrate(conn)
        if applied:
            click.echo("applied migrations: " + ", ".join(applied))
        with conn.cursor() as cur:
            problems = embedded_pg.privacy_problems(cur)
        conn.rollback()
        for problem in problems:  # an external server's choice: say so, loudly, but serve
            click.echo(f"WARNING: PostgreSQL setting {problem}: it can record ballots beside times "
                       "(docs/operations.md)", err=True)
        if not no_demo:
            ensure_demo(conn, click.echo)
    # Workers inherit the database address instead of starting a server of their own.
    os.environ["DATABASE_URL"] = dsn
    workers = workers or min(8, 2 * (os.cpu_count() or 1))
    click.echo(f"serving on http://{host}:{port} with {workers} {worker_class} workers")
    sys.stdout.flush()
    run(host, port, workers, threads, worker_class)


def register(app) -> None:
    for command in main.commands.values():
        app.cli.add_command(command)


if __name__ == "__main__":
    main()
