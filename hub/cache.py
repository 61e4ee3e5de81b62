"""The directory cache: near-static data every request reads, kept per process.

Routing rules, agencies, areas, deadline policies, who holds which role, API tokens: a handful of
rows read on every intake and every request, changed a few times a day. Each ``Database`` keeps one
``DirectoryCache`` and hands it to every session it opens (``cached(s, key, loader)`` finds it
there). Tables holding such data are marked with ``@directory_data``; a transaction that writes one
(ORM flush or an ORM-enabled UPDATE/DELETE/INSERT) marks its session, and once it commits the cache
is dropped in this process and ``directory.changed`` is published on the event bus, which drops it
in every other process (``PostgresBus``: LISTEN/NOTIFY). A ``ttl`` bounds how stale a process can
be if a notice is lost (a listener reconnecting, a change made by a program without a bus).

A transaction that changed directory data reads it from the database, not from the cache, until
it commits; a load that overlaps a change is not kept (``generation``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

logger = logging.getLogger(__name__)

T = TypeVar("T")
CACHE_INFO = "directory_cache"  # where a session finds its database's cache (``Session.info``)
CHANGED_INFO = "directory_changed"  # set on a session that wrote directory data
TABLE_FLAG = "directory_data"  # ``Table.info`` flag of a marked table
QUIET = "directory_quiet"  # execution option: this write is not a directory change (a token's touch)
TOPIC = "directory"
KIND = "directory.changed"

Publisher = Callable[[], Awaitable[None]]


def directory_data(cls: type[T]) -> type[T]:
    """Class decorator: writes to this model's table change the directory (drop every cache)."""
    cls.__table__.info[TABLE_FLAG] = True  # type: ignore[attr-defined]
    return cls


class DirectoryCache:
    def __init__(self, ttl: float = 30.0) -> None:
        self.ttl = ttl
        self.generation = 0
        self._values: dict[Any, Any] = {}
        self._loaded = time.monotonic()
        self._publish: Publisher | None = None

    def connect(self, publish: Publisher | None) -> None:
        """How a change here is told to the other processes (``None``: it is not)."""
        self._publish = publish

    def invalidate(self) -> None:
        self.generation += 1
        self._values.clear()
        self._loaded = time.monotonic()

    async def changed(self) -> None:
        """A transaction that wrote directory data committed: drop it here, tell the others."""
        self.invalidate()
        if self._publish is not None:
            try:
                await self._publish()
            except Exception:  # committed already; the others catch up within the ttl
                logger.exception("could not publish %s", KIND)

    async def get(self, key: Any, load: Callable[[], Awaitable[T]]) -> T:
        if time.monotonic() - self._loaded > self.ttl:
            self.invalidate()
        if key in self._values:
            value: T = self._values[key]
            return value
        generation = self.generation
        value = await load()
        if generation == self.generation and value is not None:  # misses are not kept
            self._values[key] = value
        return value

    def peek(self, key: Any) -> Any:
        return self._values.get(key)

    def put(self, key: Any, value: Any) -> None:
        self._values[key] = value

    def drop(self, key: Any) -> None:
        self._values.pop(key, None)


async def cached(s: AsyncSession, key: Any, load: Callable[[], Awaitable[T]]) -> T:
    """``load()``'s value, from the cache of the session's database when it has one and the
    session has not itself changed directory data."""
    cache: DirectoryCache | None = s.info.get(CACHE_INFO)
    if cache is None or s.info.get(CHANGED_INFO):
        return await load()
    return await cache.get(key, load)


def cache_of(s: AsyncSession) -> DirectoryCache | None:
    return s.info.get(CACHE_INFO)


def _marked(table: Any) -> bool:
    return bool(getattr(table, "info", {}).get(TABLE_FLAG))


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _context: Any) -> None:
    if session.info.get(CHANGED_INFO) or CACHE_INFO not in session.info:
        return
    for obj in (*session.new, *session.dirty, *session.deleted):
        if _marked(getattr(obj, "__table__", None)):
            session.info[CHANGED_INFO] = True
            return


@event.listens_for(Session, "do_orm_execute")
def _on_execute(state: ORMExecuteState) -> None:
    session = state.session
    if session.info.get(CHANGED_INFO) or CACHE_INFO not in session.info:
        return
    if not (state.is_update or state.is_delete or state.is_insert):
        return
    if state.execution_options.get(QUIET):
        return
    table = getattr(state.statement, "table", None)
    if _marked(table):
        session.info[CHANGED_INFO] = True
