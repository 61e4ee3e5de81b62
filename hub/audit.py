"""Append-only audit log with a SHA-256 hash chain, linked after commit.

A change and its audit row commit together: ``record`` inserts the row in the caller's
transaction. The row is not yet *linked*: its link (``AuditLink``: the hash of the row before it
and its own hash over its content plus that link) is written after commit by the one chainer
(``hub.audit_chain``), so no request waits on a cluster-wide lock or reads the chain's head.
Editing or deleting any linked row breaks the chain from there on, as before.

The chain's order is ``(txid, id)``: ``txid`` is the writing transaction's id on PostgreSQL (the
column's default, ``pg_current_xact_id()``), 0 on SQLite, where writers are serial and ids come in
commit order. Below PostgreSQL's snapshot horizon (the oldest transaction still running) no row can
appear any more, so the chainer links up to it and never has to skip a row that commits late.

The database refuses UPDATE and DELETE on both tables (triggers created by the migrations; the
deployed app role has only SELECT and INSERT on them), so tampering needs deliberate access behind
the app, which ``verify_chain`` (``gongtiao audit verify``) then reveals.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, cast

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, String, Table, func, insert, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from hub import bulk
from hub.orm import Base, utcnow

GENESIS = "0" * 64


class current_txid(FunctionElement[int]):  # noqa: N801 (an SQL function's name)
    """The writing transaction's id as a bigint on PostgreSQL; 0 elsewhere."""

    type = BigInteger()
    inherit_cache = True


@compiles(current_txid, "postgresql")
def _txid_pg(_element: current_txid, _compiler: SQLCompiler, **_kw: Any) -> str:
    return "(pg_current_xact_id()::text::bigint)"


@compiles(current_txid)
def _txid_other(_element: current_txid, _compiler: SQLCompiler, **_kw: Any) -> str:
    return "0"


class AuditEvent(Base):
    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_txid_id", "txid", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    actor_agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"), index=True)
    action: Mapped[str] = mapped_column(String(64), index=True)
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[str] = mapped_column(String(64))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # The chain's order is (txid, id): see the module's docstring.
    txid: Mapped[int] = mapped_column(BigInteger, server_default=current_txid())


class AuditLink(Base):
    """One row's place in the chain, written once by the chainer (``hub.audit_chain``)."""

    __tablename__ = "audit_links"

    event_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


EVENTS = cast(Table, AuditEvent.__table__)
LINKS = cast(Table, AuditLink.__table__)
# What a row's hash covers, in the order the chain is walked.
CONTENT = (
    EVENTS.c.id,
    EVENTS.c.txid,
    EVENTS.c.created_at,
    EVENTS.c.actor_user_id,
    EVENTS.c.actor_agency_id,
    EVENTS.c.action,
    EVENTS.c.object_type,
    EVENTS.c.object_id,
    EVENTS.c.data,
)
CHAIN_ORDER = (EVENTS.c.txid, EVENTS.c.id)


@dataclass(frozen=True)
class Actor:
    """Who did it: a user (and their agency), or the system itself (both None)."""

    user_id: int | None = None
    agency_id: int | None = None


SYSTEM = Actor()


class Hashed(Protocol):
    """What a row's hash covers (an ``AuditEvent``, or a row read by the chainer)."""

    created_at: datetime
    actor_user_id: int | None
    actor_agency_id: int | None
    action: str
    object_type: str
    object_id: str
    data: dict[str, Any]


# What json.dumps builds on each call with these arguments, built once (the chainer hashes every row).
_CANONICAL = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":"))
_PLAIN = json.JSONEncoder(ensure_ascii=False, default=str)


def _canonical(prev_hash: str | None, event: Hashed) -> bytes:
    content = {
        "at": event.created_at.isoformat(timespec="microseconds"),
        "user": event.actor_user_id,
        "agency": event.actor_agency_id,
        "action": event.action,
        "type": event.object_type,
        "object": event.object_id,
        "data": event.data,
    }
    if prev_hash is not None:
        content["prev"] = prev_hash
    return _CANONICAL.encode(content).encode("utf-8")


def row_hash(prev_hash: str, event: Hashed) -> str:
    """The hash of one linked row: canonical JSON of its content, linked to the previous hash."""
    return hashlib.sha256(_canonical(prev_hash, event)).hexdigest()


def content_digest(event: Hashed) -> str:
    """The SHA-256 of one row's content alone (the same canonical JSON, without the link): known
    as soon as the row is written, so a paper listing audit rows (the chain of custody) can name
    each one before the chainer has linked it."""
    return hashlib.sha256(_canonical(None, event)).hexdigest()


def _row(
    actor: Actor, action: str, object_type: str, object_id: object, data: dict[str, Any] | None
) -> dict[str, Any]:
    return {
        "created_at": utcnow(),
        "actor_user_id": actor.user_id,
        "actor_agency_id": actor.agency_id,
        "action": action,
        "object_type": object_type,
        "object_id": str(object_id),
        # Round-trip through JSON now so what is stored is plain JSON (dates as strings).
        "data": json.loads(_PLAIN.encode(data or {})),
    }


async def record(
    session: AsyncSession,
    actor: Actor,
    action: str,
    object_type: str,
    object_id: object,
    data: dict[str, Any] | None = None,
) -> None:
    """Append one audit row in the session's open transaction (linked after commit)."""
    await session.execute(insert(EVENTS), [_row(actor, action, object_type, object_id, data)])


@dataclass(frozen=True)
class Entry:
    """One row for ``record_many``."""

    actor: Actor
    action: str
    object_type: str
    object_id: object
    data: dict[str, Any] | None = None


async def record_many(session: AsyncSession, entries: Sequence[Entry]) -> None:
    """Append many rows in order in one INSERT (``hub.bulk``): for batch imports. The rows are
    those ``record`` would have written one by one."""
    rows = [_row(e.actor, e.action, e.object_type, e.object_id, e.data) for e in entries]
    await bulk.insert_rows(session, EVENTS, rows)


@dataclass(frozen=True)
class ChainReport:
    """``rows`` linked rows checked; ``pending`` newest rows not yet linked (from id
    ``pending_from``); ``broken_id`` and ``reason`` name the first row that does not fit."""

    rows: int
    broken_id: int | None = None
    reason: str = ""
    pending: int = 0
    pending_from: int | None = None

    @property
    def ok(self) -> bool:
        return not self.reason


async def verify_chain(session: AsyncSession, batch: int = 2000) -> ChainReport:
    """Walk the whole chain in its order; name the first row that does not fit. Rows not yet
    linked are fine at the end (the chainer links them within a second); one left out between
    linked rows is not."""
    prev = GENESIS
    count = pending = 0
    pending_from: int | None = None
    after: tuple[int, int] | None = None
    query = select(*CONTENT, LINKS.c.prev_hash, LINKS.c.hash).select_from(
        EVENTS.outerjoin(LINKS, LINKS.c.event_id == EVENTS.c.id)
    )
    while True:
        page = query if after is None else query.where(tuple_(*CHAIN_ORDER) > tuple_(*after))
        rows = (await session.execute(page.order_by(*CHAIN_ORDER).limit(batch))).all()
        if not rows:
            break
        for row in rows:
            after = (row.txid, row.id)
            if row.hash is None:
                pending += 1
                pending_from = pending_from or row.id
                continue
            if pending_from is not None:
                return ChainReport(count, pending_from, "not linked, but rows after it are")
            if row.prev_hash != prev:
                return ChainReport(count, row.id, "prev_hash does not match the row before")
            if row_hash(prev, row) != row.hash:
                return ChainReport(count, row.id, "content does not match its hash")
            prev = row.hash
            count += 1
    links = await session.scalar(select(func.count()).select_from(LINKS))
    if links != count:
        # More links than the walk saw is no fault by itself: on PostgreSQL each page of the walk
        # reads what was committed when it ran, and the chainer may have linked rows since.
        stray = await session.scalar(
            select(LINKS.c.event_id).where(~EVENTS.select().where(EVENTS.c.id == LINKS.c.event_id).exists())
        )
        if stray is not None or (links or 0) < count:
            return ChainReport(count, stray, "a link names no audit row")
    return ChainReport(count, pending=pending, pending_from=pending_from)
