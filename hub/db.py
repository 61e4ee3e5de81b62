"""Database engine and transactions.

One way to touch the database: ``async with db.read() as s`` for queries, ``async with db.write() as s``
for changes (committed on leaving the block, rolled back on an exception).

SQLite runs in WAL mode with foreign keys on. Its write transactions start with ``BEGIN IMMEDIATE``
so two writers queue on the lock (busy_timeout) instead of failing half-way with "database is locked"
after having read stale rows; that also keeps the audit hash chain linear. Within one process the
writers queue on an ``asyncio.Lock`` before they take a connection: SQLite runs one writer at a
time anyway, and 200 writers waiting in the busy handler would hold 200 connections and threads and
hit the busy timeout. What still fails on a lock (another process held it past the timeout) or on
PostgreSQL's serialisation failures and deadlocks is ``transient``: ``hub.routing`` runs the
request again (``retrying``).

Each ``Database`` carries the process's ``DirectoryCache`` (``hub.cache``) into its sessions and
drops it (and tells the other processes) after a write transaction that changed directory data.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Table, event, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import DBAPIError, DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from hub.cache import CACHE_INFO, CHANGED_INFO, DirectoryCache

logger = logging.getLogger(__name__)
T = TypeVar("T")
# PostgreSQL's serialization_failure and deadlock_detected: the transaction may simply run again.
_RETRY_SQLSTATES = frozenset({"40001", "40P01"})
RETRIES = 6
_writing: contextvars.ContextVar[bool] = contextvars.ContextVar("sqlite_writing", default=False)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # The driver must not open transactions by itself: we issue BEGIN ourselves (see below).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def insert_or_nothing(bind: Connection | AsyncSession, table: Table, on: Sequence[str] | None = None) -> Any:
    """``INSERT ... ON CONFLICT [(on)] DO NOTHING`` in the bind's dialect (PostgreSQL or SQLite): a
    row that would break a unique constraint (the one over ``on``'s columns, or any) is not
    written, and RETURNING gives nothing for it."""
    name = bind.get_bind().dialect.name if isinstance(bind, AsyncSession) else bind.dialect.name
    return (pg_insert if name == "postgresql" else sqlite_insert)(table).on_conflict_do_nothing(
        index_elements=on
    )


@asynccontextmanager
async def planned_for_their_values(s: AsyncSession) -> AsyncIterator[None]:
    """On PostgreSQL, the statements inside are planned for the values they are given
    (``plan_cache_mode = force_custom_plan`` until the block ends; a failure ends the transaction,
    and the setting with it). A prepared statement run five times on a connection may be switched
    to a generic plan, made without its values: fine for the hub's writes, blind for a query whose
    best plan depends on how rare a value is."""
    postgresql = s.get_bind().dialect.name == "postgresql"
    if postgresql:
        await s.execute(_CUSTOM_PLANS)
    yield
    if postgresql:
        await s.execute(_DEFAULT_PLANS)


_CUSTOM_PLANS = text("SET LOCAL plan_cache_mode = force_custom_plan")
_DEFAULT_PLANS = text("SET LOCAL plan_cache_mode TO DEFAULT")


async def lock_row(s: AsyncSession, model: Any, row_id: int) -> None:
    """Hold one row to the end of the transaction (``SELECT ... FOR UPDATE``), so that a change
    which first checks what exists (a second send, a second agreement, a save racing an
    approval) waits for the other one and sees it. SQLite serialises writers anyway."""
    await s.execute(select(model.id).where(model.id == row_id).with_for_update())


def make_engine(url: str, *, immediate: bool = False, echo: bool = False) -> AsyncEngine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, echo=echo)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        begin = "BEGIN IMMEDIATE" if immediate else "BEGIN"

        @event.listens_for(engine.sync_engine, "begin")
        def _begin(conn: Any) -> None:
            conn.exec_driver_sql(begin)

        return engine
    # JIT compilation pays off for analytics, not for the hub's short queries: with the agency
    # scope's correlated EXISTS the planner switched it on and spent 110-160 ms per case list
    # (bench case_list).
    engine = create_async_engine(
        url,
        echo=echo,
        pool_size=10,
        max_overflow=10,
        # Under a burst (200 clients) requests wait their turn for a connection rather than fail
        # after the default 30 s with a 500 (issue #16: writers wait instead of failing).
        pool_timeout=300,
        connect_args={"server_settings": {"jit": "off"}},
    )
    _ping_when_idle(engine)
    return engine


# A pooled connection idle this long is pinged before use. SQLAlchemy's pool_pre_ping pings at
# every checkout: a round trip that cost about 5 % of the hub's CPU per intake (issue #16), for
# connections that were in use a moment before. A server restarted, or a connection cut by a
# firewall, shows on connections that sat idle; one that breaks mid-burst fails that request.
IDLE_PING_SECONDS = 10.0


def _ping_when_idle(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "checkin")
    def _checked_in(_dbapi_connection: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine.sync_engine, "checkout")
    def _checked_out(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get("idle_since")
        if since is None or time.monotonic() - since < IDLE_PING_SECONDS:
            return
        try:
            dbapi_connection.ping()
        except Exception as exc:  # the pool drops this connection and checks out another
            raise DisconnectionError(f"an idle connection is gone: {exc}") from exc


class Database:
    """The app's handle on the database: a read engine and a write engine (the same one on PostgreSQL)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.is_sqlite = make_url(url).get_backend_name() == "sqlite"
        self.engine = make_engine(url)
        self.write_engine = make_engine(url, immediate=True) if self.is_sqlite else self.engine
        self.cache = DirectoryCache()
        info = {CACHE_INFO: self.cache}
        self._read = async_sessionmaker(self.engine, expire_on_commit=False, info=info)
        self._write = async_sessionmaker(self.write_engine, expire_on_commit=False, info=info)
        self._writer = asyncio.Lock() if self.is_sqlite else None

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        async with self._read() as session:
            yield session

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncSession]:
        if self._writer is None:
            async with self._write() as session:
                async with session.begin():
                    yield session
                changed = session.info.get(CHANGED_INFO)
        else:
            # A write opened inside another one (same task) must not wait for itself: it goes
            # straight to SQLite's own lock, as before there was a queue.
            queue = self._writer if not _writing.get() else contextlib.nullcontext()
            async with queue, self._write() as session:
                token = _writing.set(True)
                try:
                    async with session.begin():
                        yield session
                finally:
                    _writing.reset(token)
                changed = session.info.get(CHANGED_INFO)
        if changed:
            await self.cache.changed()

    async def dispose(self) -> None:
        await self.engine.dispose()
        if self.write_engine is not self.engine:
            await self.write_engine.dispose()


def transient(exc: BaseException) -> bool:
    """A failure that running the same transaction again may not meet: SQLite's lock held past
    the busy timeout, PostgreSQL's serialisation failure or deadlock."""
    if not isinstance(exc, DBAPIError):
        return False
    orig = exc.orig
    code = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    if code in _RETRY_SQLSTATES:
        return True
    return "database is locked" in str(orig) or "database table is locked" in str(orig)


async def retrying(run: Callable[[], Awaitable[T]], attempts: int = RETRIES) -> T:
    """``run()``, again after a transient failure, with a growing random pause (10 ms to ~0.6 s)."""
    for attempt in range(attempts):
        try:
            return await run()
        except DBAPIError as exc:
            if attempt == attempts - 1 or not transient(exc):
                raise
            pause = 0.01 * 2**attempt * (0.5 + random.random())  # noqa: S311 (jitter, not a secret)
            logger.info("transient database failure, attempt %d: %s", attempt + 1, exc.orig)
            await asyncio.sleep(pause)
    raise AssertionError("unreachable")
