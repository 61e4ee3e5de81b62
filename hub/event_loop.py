"""The event loop the hub's long-lived processes run on: uvloop's (libuv; docs/benchmarks.md,
api_read and the recorder), or asyncio's own where uvloop is not installed (a platform without
its wheel). ``gongtiao serve`` and the recording worker (``rtc.record_worker``) both use it."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any, TypeVar

logger = logging.getLogger(__name__)

T = TypeVar("T")


def event_loop() -> asyncio.AbstractEventLoop:
    """A new uvloop loop, or asyncio's own where uvloop is missing."""
    try:
        import uvloop
    except ImportError:
        logger.info("uvloop is not installed: running on asyncio's own event loop")
        return asyncio.new_event_loop()
    return uvloop.new_event_loop()


def run(main: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run(main)`` on ``event_loop()``."""
    with asyncio.Runner(loop_factory=event_loop) as runner:
        return runner.run(main)
