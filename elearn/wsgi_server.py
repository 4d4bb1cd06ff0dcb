"""gunicorn, started from `elearn serve` with the app already built."""
from __future__ import annotations

import os

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


# Idle keep-alive connections are kept this long: longer than nginx keeps its idle connections to an
# upstream (keepalive_timeout, 60 s by default), so the proxy always closes first and never sends a
# request on a connection gunicorn is closing (a 502). Phones on slow data reuse theirs too. An idle
# connection holds no thread in gunicorn's threaded worker, only a socket.
KEEPALIVE = 75
# On SIGTERM, requests in progress get this long to finish (a quiz answer or a sign-in takes well
# under a second under load); then the workers are killed, and a client that stalled halfway through
# its request is cut off (gunicorn's 30 s default let one slow phone hold up a restart for 30 s).
# Idle keep-alive connections are closed within 2 s (gunicorn 27), so a stop takes a few seconds.
GRACEFUL_TIMEOUT = 5


def cores() -> int:
    """The cores this process may run on (fewer than the machine's in a container or under taskset)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def default_workers(cores: int, database_url: str) -> int:
    """On PostgreSQL two processes per core (a request waiting on the database or a slow phone
    leaves the core to another); on SQLite one per core, as it has one writer at a time: with 4
    workers on 2 busy cores, writers waited past SQLite's 15 s busy timeout (500s, benchmarks/load.py),
    with 2 none did. At least two (a restart or a stuck request never leaves nobody serving), at
    most 8: each has a pool of up to 8 connections (one per thread), and PostgreSQL's default
    max_connections is 100."""
    per_core = 1 if database_url.startswith("sqlite") else 2
    return max(2, min(8, per_core * cores))


def run(app: Flask, host: str, port: int, workers: int, threads: int, keepalive: int = KEEPALIVE) -> None:
    # Each worker opens its own connections: the parent's pool must not be shared across fork.
    engine = app.extensions.get("elearn_engine")  # absent in the bare app benchmarks/throughput.py runs
    if engine is not None:
        engine.dispose()
    _Server(app, {
        "bind": f"{host}:{port}",
        "workers": workers,
        "threads": threads,
        # gthread, with its listening socket closed at once on SIGTERM (a rolling restart behind nginx).
        "worker_class": "elearn.gunicorn_worker.DrainingThreadWorker",
        "keepalive": keepalive,
        "graceful_timeout": GRACEFUL_TIMEOUT,
        # gunicorn 27's control socket is one path per user (~/.gunicorn/gunicorn.ctl): two servers on
        # one machine would take it from each other, and stopping it cost each stop up to 2 s. Unused.
        "control_socket_disable": True,
        "accesslog": "-",
        # The access log must not carry personal data: path only, no query string or referrer.
        "access_log_format": '%(h)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms',
        "forwarded_allow_ips": "127.0.0.1",
    }).run()
