"""Password hashing: argon2id at OWASP's minimum parameters, at most a few hashes at once per process.

Parameters. m=19 MiB, t=2, p=1 is the first argon2id configuration of OWASP's Password Storage
Cheat Sheet ("a minimum configuration of 19 MiB of memory, an iteration count of 2, and 1 degree
of parallelism"). argon2-cffi's default before (RFC 9106's low-memory profile, m=64 MiB, t=3, p=4)
took 184 ms of CPU per sign-in on the 2-core commune box, so a village class of 100 signing in
together waited 3-9 s and lesson pages stalled behind them; the OWASP minimum takes about 25 ms.
What the hash defends is a stolen database (guessing online is slowed per phone and per address,
elearn.auth.throttle), and against that the minimum is OWASP's accepted floor, not below it, with
passwords of at least 8 characters kept off the common list (elearn.training.passwords).
p=1: more lanes only spread one hash over cores that other residents' pages need. A hash made with
other parameters (the old default included) still verifies, and is made again with these at the
next successful sign-in (elearn.auth.services.authenticate).

Bound. Every hash and verify runs under a per-process semaphore of PASSWORD_HASH_CONCURRENCY slots
(ELEARN_PASSWORD_HASH_CONCURRENCY; by default half the cores, at least one), so a burst of
sign-ins cannot take every core from page requests, and memory stays at slots x 19 MiB. A sign-in
that finds every slot taken waits its turn: it is slower, never refused (a timeout would turn a
busy minute into failed sign-ins that the resident repeats, adding to the queue). The pool is per
process, not shared by gunicorn's workers: a worker killed while holding a shared slot would lose
it for good. So W workers may run W x slots hashes at once; on a small box with several workers,
set it to 1.

The state lives in `app.extensions["elearn_passwords"]`, so two apps in one process (tests) keep
their own parameters and pools; `passwords()` is the current app's.
"""
from __future__ import annotations

import secrets
import threading

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import Flask, current_app

OWASP_MINIMUM = {"time_cost": 2, "memory_cost": 19 * 1024, "parallelism": 1}


class Passwords:
    """One app's hasher, its slots, and the hash an unknown phone is checked against."""

    def __init__(self, hasher: PasswordHasher, slots: int):
        self.hasher = hasher
        self.slots = threading.BoundedSemaphore(slots)
        self.size = slots
        self._dummy: str | None = None
        self._dummy_lock = threading.Lock()

    def hash(self, secret: str) -> str:
        with self.slots:
            return self.hasher.hash(secret)

    def matches(self, stored_hash: str, secret: str) -> bool:
        with self.slots:
            try:
                return self.hasher.verify(stored_hash, secret)
            except (VerificationError, InvalidHashError):
                return False

    def needs_rehash(self, stored_hash: str) -> bool:
        """Made with other parameters (reads the hash's header; no hashing)."""
        return self.hasher.check_needs_rehash(stored_hash)

    def match_nothing(self, secret: str) -> None:
        """As slow as checking a real account's password: an unknown phone answers no faster."""
        with self._dummy_lock:  # made at the first unknown phone, not at start
            if self._dummy is None:
                self._dummy = self.hash(secrets.token_hex(16))
        self.matches(self._dummy, secret)


def init_app(app: Flask) -> None:
    parameters = app.config.get("PASSWORD_HASH_PARAMETERS") or OWASP_MINIMUM
    app.extensions["elearn_passwords"] = Passwords(PasswordHasher(**parameters),
                                                   int(app.config["PASSWORD_HASH_CONCURRENCY"]))


def passwords() -> Passwords:
    return current_app.extensions["elearn_passwords"]

