"""A stopping `elearn serve` refuses new connections at once and still answers the ones it has.

Behind nginx this is what makes a rolling restart lose nothing: a refused connection never reached
the server, so nginx sends the request (a POST too) to another one; a connection the kernel had
accepted for a stopping worker that never read it is reset, and nginx answers a POST sent there with
502 (benchmarks/two_servers.py, check 5, saw it under load). SIGTERM, as systemd sends it.
"""
from __future__ import annotations

import http.client
import socket
import time

from benchmarks._harness import Database, Server
from tests.conftest import FIXTURE_COURSES


def refused_within(port: int, seconds: float) -> float | None:
    """The seconds until a new connection to `port` is refused, or None if it never is."""
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
        except ConnectionRefusedError:
            return time.monotonic() - started
        time.sleep(0.02)
    return None


def test_a_stopping_server_refuses_new_connections_and_answers_a_kept_alive_one(tmp_path):
    server = Server(Database("sqlite", tmp_path), tmp_path, workers=1, courses=FIXTURE_COURSES)
    server.start()
    kept = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        kept.request("GET", "/healthz")
        first = kept.getresponse()
        first.read()
        assert first.status == 200 and first.getheader("Connection", "").lower() != "close"

        server.process.terminate()
        refused_after = refused_within(server.port, 5)
        # The worker keeps its kept-alive connections open for a moment after SIGTERM (gunicorn:
        # 2 s): a request already on its way there is answered, and the connection then closed.
        kept.request("GET", "/healthz")
        last = kept.getresponse()
        last.read()
    finally:
        kept.close()
        server.stop()
    assert refused_after is not None
    assert last.status == 200
    assert last.getheader("Connection", "").lower() == "close"
