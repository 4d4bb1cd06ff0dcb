"""Load: N residents for T seconds reading lessons and submitting quizzes against a real `elearn serve`.

The script makes a fresh database (a SQLite file in a temporary folder, or with --database
postgresql a new database on the local PostgreSQL, dropped afterwards), starts `elearn serve` on it
(migrations, bundled courses, gunicorn with its default settings unless --workers/--threads), and
lets the residents loose: half register during the run, half have accounts already and sign in;
each reads the course list, a course, one to three lessons, answers the quiz and reads the result,
pausing a random 0..2×--think seconds between pages; --double-tap of the quizzes are sent twice at
once on two connections with the same idempotency key. Afterwards it counts in the database.

Passes (exit 0) when: no request failed or got an unexpected status, every acknowledged attempt
(answered 303) is stored exactly once and nothing else is stored, every double tap was answered
with one and the same attempt, and no attempt is stored without its answers.

    .venv/bin/python benchmarks/load.py [--residents 100] [--seconds 60] [--database sqlite|postgresql]
    .venv/bin/python benchmarks/load.py --short          # 10 residents, 8 s (what CI runs)
"""
from __future__ import annotations

import argparse
import os
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _harness import (PROJECT_ROOT, Database, Figures, Server, add_server_options, log, verdict,
                      print_latencies, register_up_front, scratch_folder, start_residents, wait_for_attempts)


def arguments(argv: list[str] | None = None, doc: str = __doc__) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=doc.split("\n")[0])
    parser.add_argument("--residents", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--short", action="store_true",
                        help="10 residents for 8 s on the test suite's two small courses (what CI runs).")
    add_server_options(parser)
    parser.add_argument("--think", type=float, default=0.5,
                        help="Mean pause between a resident's pages, in seconds (default: %(default)s).")
    parser.add_argument("--double-tap", type=float, default=0.2, help="Share of quizzes sent twice at once.")
    parser.add_argument("--ramp", type=float, default=10,
                        help="Seconds over which the residents arrive, evenly (default: %(default)s).")
    parser.add_argument("--courses", type=Path, help="Courses folder to serve (default: the bundled one).")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    if args.short:
        args.residents, args.seconds, args.think, args.ramp = 10, 8, min(args.think, 0.2), min(args.ramp, 1)
        args.courses = args.courses or PROJECT_ROOT / "tests" / "fixtures" / "courses"
    return args


def describe(args: argparse.Namespace, server: Server) -> None:
    log(f"elearn serve on {args.database} ({server.database.name}), workers {args.workers or 'default'}, "
        f"threads {args.threads or 'default'}; {args.residents} residents for {args.seconds:.0f} s, "
        f"arriving over {args.ramp:.0f} s, think {args.think} s mean, double taps {args.double_tap:.0%}, "
        f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")


def check_attempts(database: Database, acknowledged: dict[str, str], may_exist: set[str]) -> list[str]:
    """Every acknowledged key stored exactly once; nothing stored that was neither acknowledged nor
    in `may_exist` (sent but unanswered); no attempt without its answers."""
    stored = database.attempt_counts()
    failures = []
    missing = [key for key in acknowledged if key not in stored]
    twice = {key: count for key, count in stored.items() if count > 1}
    unknown = [key for key in stored if key not in acknowledged and key not in may_exist]
    partial = database.attempts_without_answers()
    log(f"attempts: acknowledged {len(acknowledged)}, stored {sum(stored.values())}, "
        f"acknowledged but not stored {len(missing)}, stored more than once {len(twice)}, "
        f"stored but never sent {len(unknown)}, stored without answers {partial}")
    if missing:
        failures.append(f"{len(missing)} acknowledged attempt(s) lost, e.g. {missing[:3]}")
    if twice:
        failures.append(f"{len(twice)} key(s) stored more than once: {list(twice.items())[:3]}")
    if unknown:
        failures.append(f"{len(unknown)} stored attempt(s) nobody sent: {unknown[:3]}")
    if partial:
        failures.append(f"{partial} attempt(s) stored without their answers")
    return failures


def common_failures(figures: Figures) -> list[str]:
    failures = []
    log(f"errors: {len(figures.errors)}; double taps: {figures.double_taps}, answered with two different "
        f"attempts: {len(figures.double_taps_split)}; stale keep-alive connections sent again: "
        f"{figures.stale_reconnects}")
    if not figures.acknowledged:
        failures.append("no quiz was acknowledged: the run proved nothing (is the machine too busy?)")
    if figures.errors:
        failures.append(f"{len(figures.errors)} error(s): " + "; ".join(sorted(set(figures.errors))[:8]))
    if figures.double_taps_split:
        failures.append(f"{len(figures.double_taps_split)} double tap(s) made two attempts: "
                        f"{figures.double_taps_split[:3]}")
    return failures


def main(argv: list[str] | None = None) -> int:
    args = arguments(argv)
    with scratch_folder("elearn-load-") as folder:
        database = Database(args.database, Path(folder), args.postgres_url, args.db_prefix)
        database.create()
        server = Server(database, Path(folder), args.workers, args.threads, args.courses)
        try:
            log(f"elearn serve ready in {server.start():.1f} s")
            describe(args, server)
            figures = Figures()
            returning = args.residents // 2
            started = time.monotonic()
            register_up_front(server.port, returning, figures)
            log(f"{returning} accounts registered before the run in {time.monotonic() - started:.1f} s")
            figures = Figures()
            stop, outage = threading.Event(), threading.Event()
            started = time.monotonic()
            threads = start_residents(server.port, args.residents, figures, stop, outage, args.think,
                                      args.double_tap, args.seed, returning, args.ramp)
            # A run that acknowledged no quiz proves nothing: a busy machine gets up to 60 s more.
            wait_for_attempts(figures, 1, started + args.seconds, started + args.seconds + 60)
            stop.set()
            for thread in threads:
                thread.join(timeout=120)
            elapsed = time.monotonic() - started
            stopped = server.stop()
            log(f"registered {figures.registered}, signed in {figures.signed_in}, in {elapsed:.1f} s; "
                f"elearn serve stopped in {'(killed after 40 s)' if stopped is None else f'{stopped:.1f} s'}")
            print_latencies(figures, elapsed)
            failures = common_failures(figures)
            failures += check_attempts(database, figures.acknowledged,
                                       {submission.key for submission in figures.unacknowledged})
            if stopped is None:
                failures.append("elearn serve did not stop within 40 s of SIGTERM")
        finally:
            server.stop()
            database.drop()
    return verdict(failures)


if __name__ == "__main__":
    sys.exit(main())
