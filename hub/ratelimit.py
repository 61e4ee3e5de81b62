"""Sliding-window limiter for failed logins, kept per process on the app.

Keys are the username and the client address, so both guessing one account from many places and
many accounts from one place are slowed. Behind several processes each keeps its own window, which
multiplies the allowance by the process count: acceptable for the brute-force protection it gives.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field


@dataclass
class FailureLimiter:
    attempts: int
    window_seconds: float
    _failures: dict[str, deque[float]] = field(default_factory=dict)

    def retry_after(self, key: str, now: float) -> int:
        """Seconds until ``key`` may try again; 0 when it may try now."""
        window = self._trim(key, now)
        if len(window) < self.attempts:
            return 0
        return max(1, int(window[0] + self.window_seconds - now) + 1)

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
