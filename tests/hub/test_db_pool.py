"""PostgreSQL's pool: a connection that died while idle (the server restarted, a firewall cut it)
is replaced before use, without a round trip at every checkout (issue #16: that ping cost about
5 % of the hub's CPU per intake)."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import create_async_engine

from hub import db as db_module
from hub.db import Database


async def _backend_pid(db: Database) -> int:
    async with db.read() as s:
        return int(await s.scalar(text("select pg_backend_pid()")) or 0)


async def _kill(db: Database, pid: int) -> None:
    killer = create_async_engine(db.url)
    try:
        async with killer.connect() as conn:
            assert await conn.scalar(text("select pg_terminate_backend(:pid)"), {"pid": pid})
    finally:
        await killer.dispose()


@pytest.mark.pg_only
async def test_an_idle_connection_that_died_is_pinged_and_replaced_a_busy_one_is_not(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Used a moment ago: no ping, so a connection killed meanwhile fails the request that gets it
    # (then the pool lets it go).
    first = await _backend_pid(db)
    await _kill(db, first)
    with pytest.raises(DBAPIError):
        await _backend_pid(db)
    # Idle past IDLE_PING_SECONDS: pinged at checkout, found dead, replaced.
    second = await _backend_pid(db)
    await _kill(db, second)
    monkeypatch.setattr(db_module, "IDLE_PING_SECONDS", 0.0)
    third = await _backend_pid(db)
    assert third not in (first, second, 0)
