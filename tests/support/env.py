"""Environment for subprocesses the tests start: the caller's GONGTIAO_* settings never leak in,
and the child runs on the suite's clock (tests/support/clock.py)."""

from __future__ import annotations

import os

from tests.support import clock


def clean_env(**settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GONGTIAO_")}
    env.update(clock.child_env())
    env.update(settings)
    return env
