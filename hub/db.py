"""Database engine and transactions.

One way to touch the database: ``async with db.read() as s`` for queries, ``async with db.write() as s``
for changes (committed on leaving the block, rolled back on an exception).

SQLite runs in WAL mode with foreign keys on. Its write transactions start with ``BEGIN IMMEDIATE``
so two writers queue on the lock (busy_timeout) instead of failing half-way with "database is locked"
after having read stale rows; that also keeps the audit hash chain linear.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

logger = logging.getLogger(__name__)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # The driver must not open transactions by itself: we issue BEGIN ourselves (see below).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


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
    return create_async_engine(
        url,
        echo=echo,
        pool_size=10,
        max_overflow=10,
        pool_pre_ping=True,
        connect_args={"server_settings": {"jit": "off"}},
    )


class Database:
    """The app's handle on the database: a read engine and a write engine (the same one on PostgreSQL)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.is_sqlite = make_url(url).get_backend_name() == "sqlite"
        self.engine = make_engine(url)
        self.write_engine = make_engine(url, immediate=True) if self.is_sqlite else self.engine
        self._read = async_sessionmaker(self.engine, expire_on_commit=False)
        self._write = async_sessionmaker(self.write_engine, expire_on_commit=False)

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        async with self._read() as session:
            yield session

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncSession]:
        async with self._write() as session, session.begin():
            yield session

    async def dispose(self) -> None:
        await self.engine.dispose()
        if self.write_engine is not self.engine:
            await self.write_engine.dispose()
