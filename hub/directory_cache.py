"""The directory read (``GET /api/v1/agencies``) kept as a finished JSON body per process.

Every police station's system reads the agency list; it changes when an agency is created. Built
from the ORM each time it cost about 23 ms of CPU per request (issue #16); kept, it is a lookup
and a hash compare, and a caller holding the same body gets 304 (``hub.etags``).

When it is dropped:
- at once in this process after a change made here (``invalidate``, called by the handlers that
  change agencies);
- in every process when an event on the ``directory`` topic arrives (``watch``): the handlers
  publish ``agency.created`` there after commit, and on PostgreSQL ``PostgresBus`` carries it to
  the other ``gongtiao serve`` processes. **Seam**: a published ``directory.changed`` event (issue
  #16 part 1, the token and routing caches) belongs on the same topic, ``TOPIC``; nothing else
  needs connecting;
- after ``ttl`` seconds in any case, for changes no event announces (the ``gongtiao`` command
  line writing to the database, a restored backup).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

from aiohttp import web

from hub import etags
from hub.events import LocalBus

logger = logging.getLogger(__name__)

TOPIC = "directory"  # the live topic every directory change is published on (``hub.live``)
TTL_SECONDS = 60.0


@dataclass(frozen=True)
class Body:
    data: bytes
    etag: str
    built: float


class DirectoryCache:
    """Finished bodies by key (the query that made them), dropped together on any change."""

    def __init__(self, ttl: float = TTL_SECONDS) -> None:
        self._bodies: dict[str, Body] = {}
        self._ttl = ttl
        self._generation = 0  # a change during a build must not store the build's stale body
        self.builds = 0  # how many bodies were built (tests and the bench read it)

    async def get(self, key: str, build: Callable[[], Awaitable[bytes]]) -> Body:
        found = self._bodies.get(key)
        now = time.monotonic()
        if found is not None and now - found.built <= self._ttl:
            return found
        generation = self._generation
        data = await build()
        self.builds += 1
        body = Body(data, etags.of(data), now)
        if generation == self._generation:
            self._bodies[key] = body
        return body

    def invalidate(self) -> None:
        self._generation += 1
        self._bodies.clear()

    async def watch(self, bus: LocalBus) -> None:
        """Drop the bodies on every event of the directory topic, until cancelled."""
        async with bus.subscribe([TOPIC]) as events:
            async for event in events:
                logger.debug("directory changed (%s): dropping cached bodies", event.kind)
                self.invalidate()


DIRECTORY = web.AppKey("directory_cache", DirectoryCache)


def context(events_key: web.AppKey[LocalBus]) -> Callable[[web.Application], AsyncIterator[None]]:
    """A ``cleanup_ctx`` that watches the app's bus (append it after the one that starts the bus)."""

    async def watching(app: web.Application) -> AsyncIterator[None]:
        task = asyncio.get_running_loop().create_task(app[DIRECTORY].watch(app[events_key]))
        yield
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    return watching
