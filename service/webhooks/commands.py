"""`python -m service worker`: the webhook worker (docs/webhooks.md). service.core.cli registers it."""
from __future__ import annotations

import os
import signal
import threading

import click


@click.command("worker")
@click.option("--once", is_flag=True, help="one pass over what is due, then exit (for cron or a test)")
@click.option("--poll", default=2.0, show_default=True, type=click.FloatRange(0.1, 60),
              help="seconds between passes that found nothing due")
@click.option("--exit-with-parent", is_flag=True, help="stop when the process that started it ends (make run)")
def worker_cmd(once, poll, exit_with_parent):
    """Deliver the webhook outbox: sign each message, POST it, retry on the schedule."""
    from service.core import cli
    from service.core import db as dbmod
    from service.webhooks import worker
    settings = cli._settings()
    dsn = cli._dsn(settings)
    with dbmod.connect(dsn) as conn:
        cli._migrate(conn)
    if once:
        done = worker.run_once(dsn)
        click.echo(f"webhooks: {len(done)} attempted, {sum(d['state'] == 'delivered' for d in done)} delivered")
        return
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    if exit_with_parent:
        threading.Thread(target=_watch_parent, args=(os.getppid(), stop), daemon=True).start()
    click.echo(f"webhook worker: polling every {poll:g} s", err=True)
    worker.run_forever(dsn, poll, stop)


def _watch_parent(parent: int, stop: threading.Event) -> None:
    while not stop.wait(1):
        if os.getppid() != parent:
            stop.set()
