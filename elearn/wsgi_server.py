"""gunicorn, started from `elearn serve` with the app already built."""
from __future__ import annotations

from flask import Flask
from gunicorn.app.base import BaseApplication


class _Server(BaseApplication):
    def __init__(self, app: Flask, options: dict):
        self.application = app
        self.options = options
        super().__init__()

    def load_config(self):
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        return self.application


def run(app: Flask, host: str, port: int, workers: int, threads: int) -> None:
    # Each worker opens its own connections: the parent's pool must not be shared across fork.
    engine = app.extensions.get("elearn_engine")  # absent in the bare app benchmarks/throughput.py runs
    if engine is not None:
        engine.dispose()
    _Server(app, {
        "bind": f"{host}:{port}",
        "workers": workers,
        "threads": threads,
        "worker_class": "gthread",
        "accesslog": "-",
        # The access log must not carry personal data: path only, no query string or referrer.
        "access_log_format": '%(h)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms',
        "forwarded_allow_ips": "127.0.0.1",
    }).run()
