"""Append-only audit log with a SHA-256 hash chain.

Each row carries the hash of the row before it and its own hash over its content plus that link,
so editing or deleting any row breaks the chain from there on. Rows are written by ``record`` inside
the caller's transaction: the change and its audit row commit together or not at all.

Keeping the chain linear under concurrency: on SQLite write transactions are already serialised
(``BEGIN IMMEDIATE``, see ``hub.db``); on PostgreSQL ``record`` takes a transaction-scoped advisory
lock before reading the last row. The database also refuses UPDATE and DELETE on the table
(triggers created by the migration), so tampering needs deliberate access behind the app.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, cast

from sqlalchemy import JSON, ForeignKey, String, Table, insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from hub.orm import Base, utcnow

GENESIS = "0" * 64
# Arbitrary constant naming the PostgreSQL advisory lock that serialises audit appends.
_PG_LOCK_KEY = 0x6770_6175_6469_74


class AuditEvent(Base):
    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    actor_agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"), index=True)
    action: Mapped[str] = mapped_column(String(64), index=True)
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[str] = mapped_column(String(64))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


@dataclass(frozen=True)
class Actor:
    """Who did it: a user (and their agency), or the system itself (both None)."""

    user_id: int | None = None
    agency_id: int | None = None


SYSTEM = Actor()


class Hashed(Protocol):
    """What a row's hash covers (an ``AuditEvent``, or a row about to be inserted in bulk)."""

    created_at: datetime
    actor_user_id: int | None
    actor_agency_id: int | None
    action: str
    object_type: str
    object_id: str
    data: dict[str, Any]


@dataclass
class _Row:
    created_at: datetime
    actor_user_id: int | None
    actor_agency_id: int | None
    action: str
    object_type: str
    object_id: str
    data: dict[str, Any]
    prev_hash: str
    hash: str = ""


def row_hash(prev_hash: str, event: Hashed) -> str:
    """The hash of one row: canonical JSON of its content, linked to the previous hash."""
    content = {
        "prev": prev_hash,
        "at": event.created_at.isoformat(timespec="microseconds"),
        "user": event.actor_user_id,
        "agency": event.actor_agency_id,
        "action": event.action,
        "type": event.object_type,
        "object": event.object_id,
        "data": event.data,
    }
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


async def record(
    session: AsyncSession,
    actor: Actor,
    action: str,
    object_type: str,
    object_id: object,
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one audit row in the session's open transaction."""
    bind = session.get_bind()
    if bind.dialect.name == "postgresql":
        await session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK_KEY})
    last = await session.scalar(select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1))
    prev = last or GENESIS
    # Round-trip through JSON now so the stored value hashes the same when read back.
    payload = json.loads(json.dumps(data or {}, ensure_ascii=False, default=str))
    event = AuditEvent(
        created_at=utcnow(),
        actor_user_id=actor.user_id,
        actor_agency_id=actor.agency_id,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        data=payload,
        prev_hash=prev,
    )
    event.hash = row_hash(prev, event)
    session.add(event)
    await session.flush()
    return event


@dataclass(frozen=True)
class Entry:
    """One row for ``record_many``."""

    actor: Actor
    action: str
    object_type: str
    object_id: object
    data: dict[str, Any] | None = None


async def record_many(session: AsyncSession, entries: Sequence[Entry]) -> None:
    """Append many rows in order, linked in one pass (one lock, one read, one INSERT): for batch
    imports. The rows are those ``record`` would have written one by one."""
    if not entries:
        return
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK_KEY})
    prev = await session.scalar(select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)) or GENESIS
    rows = []
    for entry in entries:
        event = _Row(
            created_at=utcnow(),
            actor_user_id=entry.actor.user_id,
            actor_agency_id=entry.actor.agency_id,
            action=entry.action,
            object_type=entry.object_type,
            object_id=str(entry.object_id),
            data=json.loads(json.dumps(entry.data or {}, ensure_ascii=False, default=str)),
            prev_hash=prev,
        )
        prev = event.hash = row_hash(prev, event)
        rows.append(vars(event))
    await session.execute(insert(cast(Table, AuditEvent.__table__)), rows)


@dataclass(frozen=True)
class ChainReport:
    rows: int
    broken_id: int | None = None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_id is None


async def verify_chain(session: AsyncSession, batch: int = 2000) -> ChainReport:
    """Walk the whole chain in id order; name the first row that does not fit."""
    prev = GENESIS
    count = 0
    last_id = 0
    while True:
        rows = (
            await session.scalars(
                select(AuditEvent).where(AuditEvent.id > last_id).order_by(AuditEvent.id).limit(batch)
            )
        ).all()
        if not rows:
            return ChainReport(rows=count)
        for event in rows:
            if event.prev_hash != prev:
                return ChainReport(count, event.id, "prev_hash does not match the row before")
            if row_hash(prev, event) != event.hash:
                return ChainReport(count, event.id, "content does not match its hash")
            prev = event.hash
            count += 1
            last_id = event.id
        session.expunge_all()
