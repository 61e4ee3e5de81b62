"""One process at a time for work that every hub process schedules (the sweeps).

``leading(db, name)`` holds PostgreSQL's session advisory lock named after the job for as long as
the job runs, on a connection of its own: another process's run of the same job, finding the lock
taken, skips its turn (``pg_try_advisory_lock`` never waits). SQLite is one process's database
anyway (its single writer would serialise the runs), so there it always leads.
"""

from __future__ import annotations

import zlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import text

from hub.db import Database

# Advisory lock keys are one 64-bit space for the whole database: ours start with this tag.
_NAMESPACE = 0x67740000  # "gt"


def lock_key(name: str) -> int:
    """A stable key per job name (not ``hash()``: that differs between processes)."""
    return (_NAMESPACE << 32) | zlib.crc32(name.encode())


@asynccontextmanager
async def leading(db: Database, name: str) -> AsyncIterator[bool]:
    """True when this process holds the job's lock (and so should run it) until the block ends."""
    if db.is_sqlite:
        yield True
        return
    key = lock_key(name)
    async with db.engine.connect() as conn:
        got = bool(await conn.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": key}))
        await conn.commit()  # the lock is the session's: no transaction stays open while the job runs
        try:
            yield got
        finally:
            if got:
                await conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
                await conn.commit()
