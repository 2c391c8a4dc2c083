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
        # Runs in each worker after the fork: the worker's mixing thread starts here.
        from service import create_app
        from service.voting import mixer
        app = create_app()
        settings = app.config["SETTINGS"]
        mixer.start(app.config["DATABASE_DSN"], settings.var_dir, settings.mix_k, settings.mix_seconds)
        from service.campaigns import schedule
        schedule.start(app)  # opens and closes campaigns on their rounds' times
        return app


def run(host: str, port: int, workers: int, threads: int = 1, worker_class: str = "sync") -> None:
    # sync workers by default: the cast path is CPU-bound Python, and a free worker taking the
    # next connection balances the load best (bench/cast.py: on two cores, 1.9x the votes a
    # second of gthread with 4 threads, p99 55 ms instead of 230 ms). They close each connection
    # after its response, so serve them behind a proxy that keeps the clients' connections
    # (nginx), as gunicorn advises. WEB_WORKER_CLASS=gthread with WEB_THREADS is the alternative.
    _App({
        "bind": f"{host}:{port}",
        "workers": workers,
        "worker_class": worker_class,
        "threads": threads,
        "timeout": 60,
        "graceful_timeout": 10,
        "control_socket_disable": True,
        "logger_class": "service.core.redact.GunicornLogger",
        "accesslog": "-",
        "errorlog": "-",
        # Only method, path without query, status, size and duration; never addresses.
        "access_log_format": '"%(m)s %(U)s" %(s)s %(B)s %(M)sms',
    }).run()
