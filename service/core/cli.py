"""Command line: `python -m service COMMAND` (the same commands under `flask --app service`).

serve · migrate · grant-role · create-user · reset-password · api-keys (create-api-key) · demo · mix · worker · calendar
· audit-key
"""
from __future__ import annotations

import os
import secrets
import sys

import click

from service.accounts import commands as key_commands
from service.audit import commands as audit_commands
from service.core import db as dbmod
from service.core import embedded_pg
from service.core import migrate as migrations
from service.core.config import ConfigError, Settings
from service.publication import commands as calendar_commands
from service.webhooks import commands as webhook_commands


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


@main.command("grant-role")
@click.argument("role")
def grant_role_cmd(role):
    """Give ROLE (an existing, non-owner database role) what the service needs to run as it: every
    table read and written, the audit log and checkpoints only read and appended to. Run it as the
    tables' owner after each upgrade (it grants on the tables that exist)."""
    from service.core import role_queries
    settings = _settings()
    with dbmod.connect(_dsn(settings)) as conn:
        _migrate(conn)
        with conn.cursor() as cur:
            if not role_queries.role_exists(cur, role):
                raise click.ClickException(f"no database role named {role}: CREATE ROLE {role} LOGIN PASSWORD '…' first")
            role_queries.grant_service_role(cur, role)
        conn.commit()
    click.echo(f"granted {role}: tables read and written; {', '.join(role_queries.APPEND_ONLY)} only appended to")


@main.command("create-user")
@click.argument("username")
@click.option("--role", type=click.Choice(["admin", "organiser", "auditor", "viewer", "teller", "supervisor"]),
              default="organiser")
@click.option("--password", envvar="PINGYI_NEW_PASSWORD", help="default: prompt (or $PINGYI_NEW_PASSWORD)")
def create_user_cmd(username, role, password):
    """Create a user account."""
    from marshmallow import ValidationError

    from service.accounts import operations as accounts
    from service.accounts.schemas import UserIn
    from service.core.errors import APIError

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


def _in_transaction(settings: Settings, work):
    """Run work(cur) in one transaction on a migrated database; an APIError ends the command."""
    from service.core.errors import APIError
    with dbmod.connect(_dsn(settings)) as conn:
        _migrate(conn)
        with conn.cursor(cursor_factory=dbmod.psycopg2.extras.RealDictCursor) as cur:
            try:
                result = work(cur)
            except APIError as exc:
                raise click.ClickException(exc.message) from None
        conn.commit()
    return result


def _interactive() -> bool:
    return sys.stdin.isatty()


@main.command("reset-password")
@click.argument("username")
@click.option("--generate", is_flag=True,
              help="print a random one-time password instead of prompting (the default without a terminal)")
def reset_password_cmd(username, generate):
    """Set a user's password: typed at the prompt, or a one-time password printed once, which the
    user must replace at their next sign-in. Their other sessions end either way."""
    from service.accounts import operations as accounts

    one_time = generate or not _interactive()
    password = secrets.token_urlsafe(12) if one_time else \
        click.prompt("new password", hide_input=True, confirmation_prompt=True)
    if len(password) < 10 or len(password) > 200:
        raise click.ClickException("the password must have 10 to 200 characters")
    settings = _settings()
    row = _in_transaction(settings, lambda cur: accounts.set_password(cur, "cli", username, password, one_time,
                                                                       settings.secret_key))
    if row["disabled"]:
        click.echo(f"NOTE: {row['username']} is disabled: enable the account on the users page before it can "
                   "sign in", err=True)
    if one_time:
        click.echo(f"one-time password for {row['username']}: {password}")
        click.echo(f"It is shown only this once and opens one sign-in within {accounts.ONE_TIME_HOURS} hours, "
                   "in which the user chooses a new password.")
    else:
        click.echo(f"password changed for {row['username']}")


@main.command("mix")
def mix_cmd():
    """Mix the sealed ballots of every group with MIX_K of them waiting (serve does it every
    MIX_SECONDS; this is for cron or a one-off), and destroy the keys of rounds past voting."""
    from service.voting import mixer

    settings = _settings()
    dsn = _dsn(settings)
    with dbmod.connect(dsn) as conn:
        _migrate(conn)
    done = mixer.run_once(dsn, settings.var_dir, settings.mix_k)
    if not done:
        click.echo("another process is mixing")
        return
    click.echo(f"mixed {done['mixed']} ballots in {done['batches']} batches"
               + (f"; destroyed the keys of rounds {done['keys_destroyed']}" if done["keys_destroyed"] else ""))


@main.command("demo")
def demo_cmd():
    """Create the demo admin and campaign if the database has no users yet."""
    from service.campaigns.demo import ensure_demo

    settings = _settings()
    with dbmod.connect(_dsn(settings)) as conn:
        _migrate(conn)
        ensure_demo(conn, click.echo)


def _env(name, default):
    """An option's default from the environment; click checks it against the option's type and
    range, so PORT=abc stops with a message naming the option, not a traceback."""
    return lambda: os.environ.get(name) or default


def _warn_of_another_key(conn, settings) -> None:
    """SECRET_KEY keys every ballot's MAC: started with another key than the printed ballots were
    made with, the server would refuse every one of them as forged. Say so before serving."""
    from service.issuance.operations import unused_under_other_keys
    with conn.cursor() as cur:
        refused = unused_under_other_keys(cur, settings.secret_key)
    conn.rollback()
    if refused:
        click.echo(f"WARNING: SECRET_KEY is not the key {refused} unused ballots of announced or open campaigns "
                   "were made with: this server will refuse them as invalid. Start it with the SECRET_KEY they were "
                   "printed under (docs/configuration.md), or void and reprint them.", err=True)


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
    from service.campaigns.demo import ensure_demo
    from service.core.server import run

    # The workers read the same environment: ballots print the address actually served.
    os.environ["HOST"], os.environ["PORT"] = host, str(port)
    settings = _settings()
    for level, text in address_warnings(settings, host, port):
        click.echo(f"{level}: {text}", err=True)
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
        _warn_of_another_key(conn, settings)
        if not no_demo:
            ensure_demo(conn, click.echo)
    # Workers inherit the database address instead of starting a server of their own.
    os.environ["DATABASE_URL"] = dsn
    workers = workers or min(8, 2 * (os.cpu_count() or 1))
    click.echo(f"serving on http://{host}:{port} with {workers} {worker_class} workers; "
               f"ballots and links point to {settings.base_url}")
    sys.stdout.flush()
    run(host, port, workers, threads, worker_class)


def address_warnings(settings: Settings, host: str, port: int) -> list[tuple[str, str]]:
    """What is wrong with the address printed on ballots, said before anything is printed:
    (WARNING or NOTE, text) pairs."""
    from urllib.parse import urlsplit

    from service.core.config import is_loopback
    base, parts = settings.base_url, urlsplit(settings.base_url)
    out = []
    if parts.path.strip("/") and parts.path.upper() != parts.path:
        out.append(("WARNING", f"BASE_URL has a path ({parts.path}) in lower case: ballot QR codes cannot use "
                               "QR's compact alphanumeric mode, so they are larger and printing is slower "
                               "(docs/issuance.md)"))
    target = parts.hostname or ""
    if is_loopback(target) and not is_loopback(host):
        out.append(("WARNING", f"ballots point to {base}, a loopback address that no phone can open, while the "
                               f"server listens on {host}: set BASE_URL to the address voters reach "
                               "(docs/configuration.md)"))
    elif not settings.base_url_set and is_loopback(host):
        out.append(("NOTE", f"BASE_URL is unset: ballots point to {base}, which only this computer can open; "
                            "to vote from phones serve with HOST=0.0.0.0 (or set BASE_URL)"))
    elif settings.base_url_set:
        served_port = parts.port or (443 if parts.scheme == "https" else 80)
        if served_port != port or not (host in ("0.0.0.0", "::") or target == host):
            out.append(("WARNING", f"BASE_URL is {base} but this server listens on {host}:{port}: right behind "
                                   "a reverse proxy that forwards that address here; otherwise printed ballots "
                                   "point elsewhere"))
    return out


def register(app) -> None:
    for command in main.commands.values():
        app.cli.add_command(command)


if __name__ == "__main__":
    main()


main.add_command(key_commands.api_keys_cmd)
main.add_command(key_commands.create_api_key_cmd)
main.add_command(calendar_commands.calendar_cmd)
main.add_command(audit_commands.audit_key_cmd)
main.add_command(webhook_commands.worker_cmd)
