"""The chainer: links committed audit rows into the hash chain, after commit, one at a time per cluster.

Requests insert their audit rows unlinked (``hub.audit.record``). ``link_pending`` reads the
chain's head and the rows after it in the chain's order ``(txid, id)``, hashes each onto the one
before, and inserts their ``AuditLink`` rows, in batches of one short transaction each.

Which rows it may link: on SQLite every committed row (writers are serial: a row committed later
has a higher id). On PostgreSQL only rows of transactions older than the snapshot's horizon
(``pg_snapshot_xmin``, the oldest transaction still running): no row can appear below it any more,
so the chain never has to go back for a row that committed late. A long write transaction holds the
horizon, and so the linking, back until it ends; nothing is lost meanwhile.

One chainer at a time: on PostgreSQL the linking transaction takes a transaction-level advisory
lock (``pg_try_advisory_xact_lock``: another process finding it taken skips its turn); on SQLite the
write lock serialises them. ``chainer()`` is the app's cleanup context: it links at start (what a
crash left unlinked), every second, and once more at a clean stop.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from typing import Any

from aiohttp import web
from sqlalchemy import select, text, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from hub import bulk
from hub.audit import CHAIN_ORDER, CONTENT, EVENTS, GENESIS, LINKS, row_hash
from hub.db import Database
from hub.keys import DB
from hub.leader import lock_key

logger = logging.getLogger(__name__)
BATCH = 2000  # rows linked per transaction
INTERVAL = 1.0  # seconds between two runs of the app's chainer
_LOCK = lock_key("audit.chain")


async def link_pending(db: Database, *, wait: bool = False, batch: int = BATCH) -> int:
    """Link every row that may be linked now; return how many were. ``wait``: on PostgreSQL, wait
    for another process's run to end instead of leaving the work to it (the CLI, tests)."""
    linked = 0
    while True:
        async with db.write() as s:
            done = await _link_batch(s, postgresql=not db.is_sqlite, wait=wait, batch=batch)
        if done is None:  # another process is linking
            return linked
        linked += done
        if done < batch:
            return linked


async def _link_batch(s: AsyncSession, *, postgresql: bool, wait: bool, batch: int) -> int | None:
    horizon: int | None = None
    if postgresql:
        if wait:
            await s.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK})
        elif not await s.scalar(text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": _LOCK}):
            return None
        horizon = await s.scalar(text("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint"))
    head = (
        await s.execute(
            select(EVENTS.c.txid, EVENTS.c.id, LINKS.c.hash)
            .join(LINKS, LINKS.c.event_id == EVENTS.c.id)
            .order_by(*(c.desc() for c in CHAIN_ORDER))
            .limit(1)
        )
    ).first()
    query = select(*CONTENT)
    if head is not None:
        query = query.where(tuple_(*CHAIN_ORDER) > tuple_(head.txid, head.id))
    if horizon is not None:
        query = query.where(EVENTS.c.txid < horizon)
    rows = (await s.execute(query.order_by(*CHAIN_ORDER).limit(batch))).all()
    prev = GENESIS if head is None else head.hash
    links: list[dict[str, Any]] = []
    for row in rows:
        digest = row_hash(prev, row)
        links.append({"event_id": row.id, "prev_hash": prev, "hash": digest})
        prev = digest
    await bulk.insert_rows(s, LINKS, links)
    return len(links)


def chainer(interval: float = INTERVAL) -> Callable[[web.Application], AsyncIterator[None]]:
    """The app's chainer (a cleanup context, after the database's)."""

    async def context(app: web.Application) -> AsyncIterator[None]:
        db = app[DB]

        async def loop() -> None:
            while True:
                try:
                    await link_pending(db)
                except Exception:  # one failed run must not stop the next
                    logger.exception("linking the audit chain failed")
                await asyncio.sleep(interval)

        task = asyncio.create_task(loop(), name="audit chainer")
        yield
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        try:  # a clean stop leaves the chain whole
            await asyncio.wait_for(link_pending(db, wait=True), 10)
        except Exception:
            logger.exception("linking the audit chain at shutdown failed")

    return context
