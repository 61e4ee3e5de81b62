"""Environment for subprocesses the tests start: the caller's GONGTIAO_* settings never leak in."""

from __future__ import annotations

import os


def clean_env(**settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GONGTIAO_")}
    env.update(settings)
    return env
