"""`python -m service audit-key show|rotate`: the service's Ed25519 signing key (docs/audit.md).
service.core.cli registers the group."""
from __future__ import annotations

import click

from service.core import db as dbmod


@click.group("audit-key")
def audit_key_cmd():
    """The key that signs the rounds' checkpoints (docs/audit.md)."""


@audit_key_cmd.command("show")
def show_cmd():
    """The verifier key (the public half), as /audit/key serves it."""
    from service.audit import keys
    from service.core import cli
    settings = cli._settings()
    click.echo(keys.verifier_key(settings.var_dir, settings.base_url))


@audit_key_cmd.command("rotate")
def rotate_cmd():
    """A new signing key, announced by a note signed with the old key and the new; checkpoints
    signed before stay valid under the old key, which the bundles keep listing."""
    from service.audit import keys
    from service.audit import queries as q
    from service.core import cli
    from service.core.event_queries import insert_event
    settings = cli._settings()
    old = keys.verifier_key(settings.var_dir, settings.base_url)
    with dbmod.connect(cli._dsn(settings)) as conn:
        cli._migrate(conn)
        with conn.cursor(cursor_factory=dbmod.psycopg2.extras.RealDictCursor) as cur:
            q.register_key(cur, old, None)  # the key being replaced, if nothing was signed with it yet
            new, announcement = keys.rotate(settings.var_dir, settings.base_url)
            q.register_key(cur, new, announcement)
            insert_event(cur, "cli", "audit_key.rotated", None, {"old": old, "new": new})
        conn.commit()
    click.echo(f"旧公钥 {old}\n新公钥 {new}\n公告已保存；请将新公钥通知审计人员（/audit/key 已更新）")
