"""gunicorn's threaded worker, stopping so that nginx can send elsewhere what this server will not answer.

On SIGTERM gunicorn's worker stops accepting connections but keeps its listening socket open until it
exits, up to its graceful timeout later. Meanwhile the kernel goes on completing connections into the
socket's queue; nginx sends requests on them, and they are reset when the worker exits. nginx passes
a GET reset that way to another server, but never a POST that was sent (it may have been saved), so
the resident gets a 502: benchmarks/two_servers.py saw one or two per rolling restart under load.

This worker accepts what is already queued when it stops, answers it like any request in progress,
and closes the listening socket at once: nginx's next connection is refused, and a refused request
never reached a server, so nginx sends it (a POST too) to another one.
"""
from __future__ import annotations

from gunicorn.workers.gthread import TConn, ThreadWorker


class DrainingThreadWorker(ThreadWorker):
    def set_accept_enabled(self, enabled):
        super().set_accept_enabled(enabled)
        if enabled or self.alive:
            return
        for listener in self.sockets:
            while True:
                try:
                    client, address = listener.accept()  # non-blocking: EAGAIN once the queue is empty
                except OSError:
                    break
                self.nr_conns += 1
                client.setblocking(True)
                self.enqueue_req(TConn(self.cfg, client, address, listener.getsockname()))
            listener.close()  # gunicorn closes it again on exit, which does nothing
