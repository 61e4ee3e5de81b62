"""The suite's clock: every test runs at one chosen instant, whatever the day it is run on.

``GONGTIAO_TEST_NOW`` picks the instant (read only by the tests, never by the hub):

- unset: ``DEFAULT_NOW``, a fixed Monday morning, so that a failure repeats tomorrow;
- an ISO 8601 time with its offset, e.g. ``2026-12-31T23:30:00+08:00``;
- ``now``: the real wall clock (the suite must pass then too).

The clock is moved with time-machine and keeps ticking from there, so timeouts and durations behave.
Subprocesses the tests start (``gongtiao serve``, the CLI) get the same clock through
``frozen_clock/sitecustomize.py``, which ``tests.support.env.clean_env`` puts on their path with the
parent's *current* travelled time, so parent and child agree to within the start-up time.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import time_machine

DEFAULT_NOW = "2026-12-07T10:00:00+08:00"
VARIABLE = "GONGTIAO_TEST_NOW"
# Set by clean_env for a child process: the parent's travelled "now" at the moment it started it.
CHILD_VARIABLE = "GONGTIAO_TEST_CLOCK_AT"
SITE_DIR = Path(__file__).parent / "frozen_clock"


def chosen_instant(value: str | None) -> datetime | None:
    """The instant the suite runs at, or None for the real clock."""
    text = (value or DEFAULT_NOW).strip()
    if text.lower() == "now":
        return None
    try:
        instant = datetime.fromisoformat(text)
    except ValueError as error:
        raise SystemExit(f"{VARIABLE}={text!r}: give an ISO 8601 time with an offset, or 'now'") from error
    if instant.tzinfo is None:
        raise SystemExit(f"{VARIABLE}={text!r}: give the offset too, e.g. +08:00")
    return instant.astimezone(UTC)


_traveller: time_machine.travel | None = None


def start() -> datetime | None:
    """Move this process's clock to the chosen instant (once); returns it, or None for the real clock."""
    global _traveller
    instant = chosen_instant(os.environ.get(VARIABLE))
    if instant is not None and _traveller is None:
        _traveller = time_machine.travel(instant, tick=True)
        _traveller.start()
    return instant


def child_env() -> dict[str, str]:
    """What a subprocess needs to run on this process's clock."""
    if _traveller is None:
        return {}
    path = os.pathsep.join(p for p in (str(SITE_DIR), os.environ.get("PYTHONPATH", "")) if p)
    return {CHILD_VARIABLE: datetime.now(UTC).isoformat(), "PYTHONPATH": path}
