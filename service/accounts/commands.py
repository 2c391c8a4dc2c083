"""`python -m service api-keys create|list|revoke` (and `create-api-key`, the older name of
create): API keys for other systems without the admin pages, each change the same event as there,
by the actor `cli`. service.core.cli registers the commands."""
from __future__ import annotations

import unicodedata

import click

SCOPES_HELP = ("comma-separated: results (results), turnout, handout (portal hand-out), audit (results, 意见建议, "
               "audit data), organise (everything an organiser may, 意见建议 included), admin")


def _cli_principal():
    from service.accounts.auth import Principal
    return Principal("cli", 0, "command line")


def _leaves(messages):
    """The messages of a nested marshmallow error, flat."""
    if isinstance(messages, dict):
        return [m for v in messages.values() for m in _leaves(v)]
    return list(messages) if isinstance(messages, list) else [messages]


def _create(name, scopes, days, rate):
    from marshmallow import ValidationError

    from service.accounts import operations as accounts
    from service.accounts.schemas import ApiKeyIn
    from service.core import cli

    raw = {"name": name, "scopes": [s.strip() for s in scopes.split(",") if s.strip()]}
    raw.update({k: v for k, v in (("days", days), ("rate_per_minute", rate)) if v is not None})
    try:
        data = ApiKeyIn().load(raw)
    except ValidationError as exc:
        problems = "; ".join(f"{field}: {' '.join(map(str, _leaves(msgs)))}" for field, msgs in exc.messages.items())
        raise click.ClickException(f"invalid: {problems}") from None
    row = cli._in_transaction(cli._settings(), lambda cur: accounts.create_api_key(cur, _cli_principal(), data))
    click.echo(row["key"])  # stdout holds the key alone, for `KEY=$(python -m service api-keys create …)`
    click.echo(f"API key #{row['id']} \"{row['name']}\" with scopes {', '.join(row['scopes'])}, "
               f"expires {row['expires_at']:%Y-%m-%d %H:%M} UTC, at most {row['rate_per_minute']} requests a minute: "
               "shown only this once; send it as 'Authorization: Bearer <key>'", err=True)


_DAYS = click.option("--days", type=int, default=None, help="days until the key expires (1 to 730, default 90)")
_RATE = click.option("--rate", type=int, default=None, help="requests a minute the key may make (default 600)")


@click.group("api-keys")
def api_keys_cmd():
    """API keys for other systems (docs/operations.md): create, list, revoke."""


@api_keys_cmd.command("create")
@click.argument("name")
@click.option("--scopes", required=True, help=SCOPES_HELP)
@_DAYS
@_RATE
def create_cmd(name, scopes, days, rate):
    """Create a key for the system NAME (e.g. 学校门户) and print it once (only its hash is kept)."""
    _create(name, scopes, days, rate)


@click.command("create-api-key")
@click.option("--name", required=True, help="who the key is for, e.g. 学校门户")
@click.option("--scopes", required=True, help=SCOPES_HELP)
@_DAYS
@_RATE
def create_api_key_cmd(name, scopes, days, rate):
    """The older name of `api-keys create NAME --scopes …`."""
    _create(name, scopes, days, rate)


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def table(rows: list[list[str]]) -> str:
    """Columns padded to their widest cell, a Chinese character counted as two."""
    widths = [max(_width(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(cell + " " * (w - _width(cell)) for cell, w in zip(r, widths)).rstrip() for r in rows)


@api_keys_cmd.command("list")
def list_cmd():
    """Every key: id, name, prefix, scopes, state, expiry, last use, rate (never a key or its hash)."""
    from service.accounts import operations as accounts
    from service.core import cli

    keys = cli._in_transaction(cli._settings(), accounts.list_api_keys)
    if not keys:
        click.echo("no API keys")
        return
    rows = [["id", "name", "prefix", "scopes", "state", "expires (UTC)", "last used", "rate/min"]]
    rows += [[str(k["id"]), k["name"], k["prefix"] + "…", ",".join(k["scopes"]), k["state"],
              f"{k['expires_at']:%Y-%m-%d %H:%M}", k["last_used_on"].isoformat() if k["last_used_on"] else "never",
              str(k["rate_per_minute"])] for k in keys]
    click.echo(table(rows))


@api_keys_cmd.command("revoke")
@click.argument("key_id", metavar="ID", type=int)
def revoke_cmd(key_id):
    """Revoke the key ID (see `api-keys list`): refused from its next request on."""
    from service.accounts import operations as accounts
    from service.core import cli

    row = cli._in_transaction(cli._settings(), lambda cur: accounts.revoke_api_key(cur, _cli_principal(), key_id))
    click.echo(f"revoked API key #{row['id']} \"{row['name']}\" ({row['prefix']}…)")
