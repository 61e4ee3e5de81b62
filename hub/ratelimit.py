"""Failed-login throttling, kept per process on the app.

Two windows, so that nobody can lock a known person out:

- per account *and* address: after ``attempts`` failures the pair waits, and each further failure
  doubles the wait (30 s, 60 s, 2 min, … up to the window). Someone guessing from elsewhere slows
  only themselves; the account's owner, from their own address, logs in as usual.
- per address, ten times wider: spraying many accounts (or one) from one address is slowed, while a
  station's staff behind one NAT address, typing a few wrong passwords each, are not.

A success clears its pair. Behind several processes each keeps its own windows, which multiplies
the allowance by the process count: acceptable for the brute-force protection it gives.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field

FIRST_DELAY_SECONDS = 30.0
ADDRESS_FACTOR = 10


@dataclass
class FailureLimiter:
    """Failures per key in a sliding window; past ``attempts``, a wait that doubles per failure."""

    attempts: int
    window_seconds: float
    first_delay_seconds: float = FIRST_DELAY_SECONDS
    _failures: dict[str, deque[float]] = field(default_factory=dict)

    def retry_after(self, key: str, now: float) -> int:
        """Seconds until ``key`` may try again; 0 when it may try now."""
        window = self._trim(key, now)
        excess = len(window) - self.attempts
        if excess < 0:
            return 0
        delay = min(self.window_seconds, self.first_delay_seconds * 2**excess)
        return max(0, math.ceil(window[-1] + delay - now))

    def fail(self, key: str, now: float) -> None:
        self._trim(key, now).append(now)

    def reset(self, key: str) -> None:
        self._failures.pop(key, None)

    def _trim(self, key: str, now: float) -> deque[float]:
        window = self._failures.setdefault(key, deque())
        while window and window[0] <= now - self.window_seconds:
            window.popleft()
        if len(self._failures) > 100_000:  # keep memory bounded under a spray of usernames
            self._failures = {k: v for k, v in self._failures.items() if v}
        return window


@dataclass
class LoginThrottle:
    """The two windows of a login: the account-and-address pair, and the address alone."""

    pair: FailureLimiter
    address: FailureLimiter

    @classmethod
    def of(cls, attempts: int, window_seconds: float) -> LoginThrottle:
        pair = FailureLimiter(attempts, window_seconds)
        return cls(pair, FailureLimiter(attempts * ADDRESS_FACTOR, window_seconds))

    @staticmethod
    def _pair_key(username: str, ip: str) -> str:
        return f"{username.strip().lower()}|{ip}"

    def retry_after(self, username: str, ip: str, now: float) -> int:
        pair = self.pair.retry_after(self._pair_key(username, ip), now)
        return max(pair, self.address.retry_after(ip, now))

    def fail(self, username: str, ip: str, now: float) -> None:
        self.pair.fail(self._pair_key(username, ip), now)
        self.address.fail(ip, now)

    def succeed(self, username: str, ip: str) -> None:
        self.pair.reset(self._pair_key(username, ip))
