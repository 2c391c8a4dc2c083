"""gunicorn, started in-process so the embedded PostgreSQL lives exactly as long as the server."""
from __future__ import annotations

from gunicorn.app.base import BaseApplication


class _App(BaseApplication):
    def __init__(self, options):
        self.options = options
        super().__init__()

    def load_config(self):
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        from . import create_app
        return create_app()


def run(host: str, port: int, workers: int) -> None:
    _App({
        "bind": f"{host}:{port}",
        "workers": workers,
        "worker_class": "gthread",
        "threads": 4,
        "timeout": 60,
        "graceful_timeout": 10,
        "control_socket_disable": True,
        "logger_class": "service.redact.GunicornLogger",
        "accesslog": "-",
        "errorlog": "-",
        # Only method, path without query, status, size and duration; never addresses.
        "access_log_format": '"%(m)s %(U)s" %(s)s %(B)s %(M)sms',
    }).run()
