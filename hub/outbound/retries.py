"""When to try a message again, what an answer means, and the per-number window. Pure.

- ``RetryPolicy.delay``: exponential backoff with "equal jitter" (half the wait fixed, half
  random), so that messages failing together do not all come back together; the random part is
  passed in, which keeps this table-testable.
- ``verdict_for_status``: an HTTP status read as sent, retry or dead. 2xx is sent; 408, 425, 429
  and 5xx are worth retrying; any other answer (3xx, 4xx) will not change by retrying.
- ``next_free``: the sliding window that holds each number to N messages an hour.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from enum import StrEnum

MAX_DELAY_SECONDS = 3 * 3600.0
RETRY_STATUSES = frozenset({408, 425, 429})


class Verdict(StrEnum):
    sent = "sent"
    retry = "retry"
    dead = "dead"


@dataclass(frozen=True)
class Outcome:
    """What one try came to: the verdict, a short reason to log, and a wait the receiver asked for."""

    verdict: Verdict
    error: str = ""
    retry_after: float | None = None

    def __post_init__(self) -> None:
        if self.verdict is Verdict.sent and self.error:
            raise ValueError("a sent message has no error")


SENT = Outcome(Verdict.sent)


@dataclass(frozen=True)
class RetryPolicy:
    base_seconds: float = 30.0
    max_attempts: int = 10
    cap_seconds: float = MAX_DELAY_SECONDS

    def __post_init__(self) -> None:
        if self.base_seconds <= 0 or self.max_attempts < 1 or self.cap_seconds < self.base_seconds:
            raise ValueError("a retry policy needs a positive first wait, a cap above it, one try at least")

    def delay(self, attempt: int, jitter: float) -> float:
        """Seconds to wait after failed try number ``attempt`` (1-based); ``jitter`` in [0, 1)."""
        if attempt < 1 or not 0.0 <= jitter < 1.0:
            raise ValueError("attempt counts from 1; jitter lies in [0, 1)")
        full = min(self.cap_seconds, self.base_seconds * 2.0 ** min(attempt - 1, 32))
        return full / 2.0 + full / 2.0 * jitter

    def after_failure(self, attempt: int, jitter: float, retry_after: float | None = None) -> float | None:
        """The wait before the next try, or None when ``attempt`` was the last one allowed. A
        receiver's Retry-After lengthens the wait (never beyond the cap), never shortens it."""
        if attempt >= self.max_attempts:
            return None
        wait = self.delay(attempt, jitter)
        if retry_after is not None and retry_after > wait:
            wait = min(retry_after, self.cap_seconds)
        return wait


def verdict_for_status(status: int) -> Verdict:
    if 200 <= status < 300:
        return Verdict.sent
    if status in RETRY_STATUSES or 500 <= status < 600:
        return Verdict.retry
    return Verdict.dead


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """A Retry-After header (seconds, or an HTTP date) as seconds from ``now``; None if absent or bad."""
    if not value:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():  # "²".isdigit() is true and int() refuses it
        return float(min(int(value), 10**7))
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, (when - now).total_seconds())


def next_free(recent: Iterable[datetime], now: datetime, limit: int, window: timedelta) -> datetime | None:
    """None when one more message may go now; else the instant the window has room again.

    ``recent``: when the earlier messages to this number went (those older than the window are
    ignored). With ``limit`` or more inside the window, room comes when enough of the oldest leave
    it that fewer than ``limit`` remain."""
    inside = sorted(t for t in recent if t > now - window)
    if len(inside) < limit:
        return None
    return inside[len(inside) - limit] + window
