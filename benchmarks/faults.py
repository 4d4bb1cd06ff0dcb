"""Faults: kill -9 of every server process mid-load, restart, and check that nothing was lost or doubled.

Residents as in load.py run against `elearn serve` (2 workers by default, so that there is more
than one worker to kill) on a fresh SQLite or PostgreSQL database. At --kill-at seconds SIGKILL goes
to the master and every worker at once (nothing of theirs runs after it); `elearn serve` is started
again at once, and the residents carry on with the cookies they had (they retry while it is down).
A quiz sent but never answered is "unacknowledged"; afterwards each is sent again exactly as the
phone would, with the same idempotency key.

Passes (exit 0) when: the database's integrity check passes after the kill (SQLite: `PRAGMA
integrity_check` and `foreign_key_check`; PostgreSQL: amcheck on every B-tree index and every foreign
key with a target), no request failed outside the outage, every acknowledged attempt is stored
exactly once, no attempt is stored without its answers, every replay is answered 303, and the
replays add no duplicate (each key stored once; stored = acknowledged + replayed).

    .venv/bin/python benchmarks/faults.py [--residents 100] [--seconds 60] [--database sqlite|postgresql]
    .venv/bin/python benchmarks/faults.py --short        # 10 residents, 12 s (what CI runs)
"""
from __future__ import annotations

import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _harness import (Database, Figures, Server, log, verdict, print_latencies, register_up_front,
                      replay, scratch_folder, start_residents, wait_for_attempts)
from load import arguments, check_attempts, common_failures, describe


def main(argv: list[str] | None = None) -> int:
    args = arguments(argv, __doc__)
    if args.short:
        args.seconds = 12
    args.workers = args.workers or 2
    kill_at = args.seconds / 2
    failures: list[str] = []
    with scratch_folder("elearn-faults-") as folder:
        database = Database(args.database, Path(folder), args.postgres_url, args.db_prefix)
        database.create()
        server = Server(database, Path(folder), args.workers, args.threads, args.courses)
        try:
            log(f"elearn serve ready in {server.start():.1f} s")
            describe(args, server)
            returning = args.residents // 2
            register_up_front(server.port, returning, Figures())
            figures = Figures()
            stop, outage = threading.Event(), threading.Event()
            started = time.monotonic()
            threads = start_residents(server.port, args.residents, figures, stop, outage, args.think,
                                      args.double_tap, args.seed, returning, args.ramp)
            # Kill once the load is on (some quizzes answered), however slow the machine is.
            wait_for_attempts(figures, max(1, args.residents // 4), started + kill_at, started + kill_at + 90)
            acknowledged_before = len(figures.acknowledged)
            outage.set()
            killed_at = time.monotonic()
            pids = server.kill9()
            log(f"kill -9 at {killed_at - started:.1f} s of processes {pids} "
                f"({acknowledged_before} attempts acknowledged so far)")
            problems = database.integrity_problems()
            log(f"integrity check right after the kill: {'ok' if not problems else problems[:5]}")
            failures += [f"after kill -9: {problem}" for problem in problems]
            restart = server.start()
            figures.outage = (killed_at, time.monotonic())
            outage.clear()
            log(f"elearn serve answering again {restart:.1f} s after the restart began")
            # ... and carry on until the restarted server has answered quizzes too.
            wait_for_attempts(figures, acknowledged_before + max(1, args.residents // 4),
                              started + args.seconds, time.monotonic() + 90)
            stop.set()
            for thread in threads:
                thread.join(timeout=120)
            elapsed = time.monotonic() - started
            log(f"registered {figures.registered}, signed in {figures.signed_in}, in {elapsed:.1f} s; "
                f"requests without an answer during the outage: {figures.outage_failures}")
            print_latencies(figures, elapsed)
            failures += common_failures(figures)
            unanswered = {submission.key: submission for submission in figures.unacknowledged
                          if submission.key not in figures.acknowledged}
            stored_before = database.attempt_counts()
            failures += check_attempts(database, figures.acknowledged, set(unanswered))
            already = [key for key in unanswered if key in stored_before]
            replayed = replay(server.port, list(unanswered.values()), figures)
            log(f"unacknowledged quizzes: {len(unanswered)} (stored before their replay: {len(already)}); "
                f"replayed with the same key: {len(unanswered)}, answered 303: {len(replayed)}")
            if len(replayed) != len(unanswered):
                failures.append(f"{len(unanswered) - len(replayed)} replay(s) not answered 303: "
                                f"{sorted(set(figures.errors))[:3]}")
            stored = database.attempt_counts()
            doubled = {key: count for key, count in stored.items() if count > 1}
            expected = len(figures.acknowledged) + len(unanswered)
            log(f"after the replays: stored {sum(stored.values())}, expected {expected} "
                f"(acknowledged + replayed), keys stored more than once {len(doubled)}")
            if doubled or sum(stored.values()) != expected:
                failures.append(f"replays changed the count wrongly: stored {sum(stored.values())}, expected "
                                f"{expected}, doubled {list(doubled.items())[:3]}")
            failures += [f"at the end: {problem}" for problem in database.integrity_problems()]
            stopped = server.stop()
            log(f"elearn serve stopped in {'(killed after 40 s)' if stopped is None else f'{stopped:.1f} s'}")
            if stopped is None:
                failures.append("elearn serve did not stop within 40 s of SIGTERM")
            if not failures:
                log("integrity check at the end: ok")
        finally:
            server.stop()
            database.drop()
    return verdict(failures)


if __name__ == "__main__":
    sys.exit(main())
