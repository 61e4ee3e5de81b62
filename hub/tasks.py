"""Periodic work in the background of a served hub (the sweeps, the housekeeping): one helper.

``every(seconds, job, name=...)`` is an aiohttp cleanup context: it starts a task that waits
``seconds``, runs ``job(app, outbox)``, publishes the outbox, and again, until the app stops. It
waits first: a job cut short by a quick shutdown could leave a connection behind. A failed run is
logged and the next one runs as planned. Jobs are idempotent (compare-and-set, warning keys), so
several hub processes may run them side by side; ``leader=True`` lets one process at a time run
the job (``hub.leader``): the others skip their turn while it runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable

from aiohttp import web

from hub.events import Outbox
from hub.keys import DB, EVENTS
from hub.leader import leading

logger = logging.getLogger(__name__)

Job = Callable[[web.Application, Outbox], Awaitable[None]]


def every(
    seconds: float, job: Job, *, name: str, leader: bool = False
) -> Callable[[web.Application], AsyncIterator[None]]:
    async def run(app: web.Application, outbox: Outbox) -> None:
        if not leader:
            await job(app, outbox)
            return
        async with leading(app[DB], name) as lead:
            if lead:
                await job(app, outbox)

    async def context(app: web.Application) -> AsyncIterator[None]:
        async def loop() -> None:
            while True:
                await asyncio.sleep(seconds)
                outbox = Outbox()
                try:
                    await run(app, outbox)
                except Exception:  # one failed run must not stop the next
                    logger.exception("%s failed", name)
                await outbox.send(app[EVENTS])

        task = asyncio.create_task(loop(), name=name)
        yield
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    return context
