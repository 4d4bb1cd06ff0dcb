"""Slowing down password guessing without locking anyone out (OWASP ASVS 5.0 6.3.1, 6.1.1).

Failed sign-ins are counted per phone number and per address in the rate limiter's storage (a file
the workers of one machine share, elearn.limit_store, or Redis shared by several servers). Past a
few free failures each one earns a short wait that doubles up to a small cap (a minute, not 15): a
guesser gets a few dozen tries an hour, a resident is kept out for seconds. A browser that signed in
to that phone before (the signed known-device cookie) is counted on its own: strangers' failures,
for the phone or from a shared address (carrier NAT, a commune office's proxy), never slow it down.
Plain values in, no Flask.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass

from limits import parse
from limits.strategies import FixedWindowRateLimiter


@dataclass(frozen=True)
class Slowdown:
    free: int  # failures in the window that cost nothing
    first_wait: int  # seconds after the first failure past the free ones; doubles after each one more
    max_wait: int  # never longer than this
    window: int = 15 * 60  # failures older than this are forgotten

    def wait_after(self, failures: int) -> int:
        """Seconds to wait after the `failures`-th failure in the window."""
        extra = failures - self.free
        if extra <= 0:
            return 0
        return min(self.max_wait, self.first_wait * 2 ** min(extra - 1, 30))


# Defaults (config LOGIN_SLOWDOWN can change them): per phone number, per address, per known device.
SLOWDOWNS = {
    "phone": Slowdown(free=5, first_wait=5, max_wait=60),
    "address": Slowdown(free=20, first_wait=2, max_wait=30),
    "device": Slowdown(free=10, first_wait=5, max_wait=60),
}


class Throttle:
    """Failure counters and waits in a `limits` storage, under `prefix` (one site, one prefix)."""

    def __init__(self, storage, prefix: str = "", slowdowns: dict[str, Slowdown] | None = None):
        self.storage = storage
        self.prefix = prefix
        self.slowdowns = slowdowns or SLOWDOWNS

    def _key(self, kind: str, purpose: str, who: str) -> str:
        return f"{self.prefix}slowdown/{kind}/{purpose}/{who}"

    def wait(self, purpose: str, counters: list[tuple[str, str]]) -> int:
        """Whole seconds until the next try is looked at (0: now); `counters` are (kind, who) pairs."""
        now = time.time()
        left = 0
        for kind, who in counters:
            key = self._key("wait", purpose, f"{kind}:{who}")
            if self.storage.get(key):
                # Redis keeps whole seconds: never say more than the rule's longest wait.
                seconds = math.ceil(self.storage.get_expiry(key) - now)
                left = max(left, min(seconds, self.slowdowns[kind].max_wait))
        return left

    def failed(self, purpose: str, counters: list[tuple[str, str]]) -> None:
        for kind, who in counters:
            rule = self.slowdowns[kind]
            failures = self.storage.incr(self._key("failures", purpose, f"{kind}:{who}"), rule.window)
            seconds = rule.wait_after(failures)
            if seconds:
                key = self._key("wait", purpose, f"{kind}:{who}")
                self.storage.clear(key)
                self.storage.incr(key, seconds)

    def forget(self, purpose: str, counters: list[tuple[str, str]]) -> None:
        for kind, who in counters:
            self.storage.clear(self._key("failures", purpose, f"{kind}:{who}"))
            self.storage.clear(self._key("wait", purpose, f"{kind}:{who}"))

    # Plain "so many per window" limits, for answers that must not be asked for at speed.

    def refused_for(self, limit: str, *identifiers: str) -> int:
        """Seconds until `limit` (e.g. '5 per minute') allows another one for `identifiers`; 0: now."""
        item = parse(limit)
        limiter = FixedWindowRateLimiter(self.storage)
        keys = (f"{self.prefix}limit", *identifiers)
        if limiter.test(item, *keys):
            return 0
        return max(1, math.ceil(limiter.get_window_stats(item, *keys).reset_time - time.time()))

    def count(self, limit: str, *identifiers: str) -> None:
        FixedWindowRateLimiter(self.storage).hit(parse(limit), f"{self.prefix}limit", *identifiers)


def sign_in_counters(phone: str, address: str | None, device: str | None) -> list[tuple[str, str]]:
    """Which counters a sign-in (or a one-time-code try) for `phone` is looked at and counted in:
    a known device only its own; any other browser the phone's and its address's."""
    if device:
        return [("device", device)]
    return [("phone", phone), ("address", address or "unknown")]
