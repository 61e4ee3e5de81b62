"""Early warnings (预警) that supervisors acknowledge: shared by referrals and meetings.

A warning has a ``key`` naming its cause (e.g. ``overdue_acceptance:referral:12``) so that the
checks, which run again and again, raise each warning once. Acknowledging records who and when.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from hub import audit
from hub.errors import NotFound
from hub.orm import Base, utcnow

SEVERITIES = ("info", "warning", "critical")


class EarlyWarning(Base):
    __tablename__ = "early_warnings"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(120), unique=True)
    kind: Mapped[str] = mapped_column(String(40), index=True)
    severity: Mapped[str] = mapped_column(String(10), default="warning")
    # The agency the warning concerns: its people and the supervisors above see it.
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"), index=True)
    case_id: Mapped[int | None] = mapped_column(index=True)
    area_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id"))
    title: Mapped[str] = mapped_column(String(200))  # English message id
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    link: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    acknowledged_at: Mapped[datetime | None] = mapped_column(default=None)
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str] = mapped_column(String(500), default="")


async def known_keys(s: AsyncSession, keys: Sequence[str]) -> set[str]:
    """Which of these warning keys were raised already (asked in chunks: a sweep may have many)."""
    known: set[str] = set()
    for start in range(0, len(keys), 500):
        chunk = list(keys[start : start + 500])
        known |= set((await s.scalars(select(EarlyWarning.key).where(EarlyWarning.key.in_(chunk)))).all())
    return known


async def raise_warning(
    s: AsyncSession,
    *,
    key: str,
    kind: str,
    title: str,
    agency_id: int | None,
    severity: str = "warning",
    case_id: int | None = None,
    area_id: int | None = None,
    link: str = "",
    now: datetime | None = None,
    **params: Any,
) -> EarlyWarning | None:
    """Create the warning unless one with this key exists; returns the new one or None."""
    if severity not in SEVERITIES:
        raise ValueError(f"unknown severity {severity}")
    if await s.scalar(select(EarlyWarning.id).where(EarlyWarning.key == key)):
        return None
    warning = EarlyWarning(
        key=key,
        kind=kind,
        severity=severity,
        agency_id=agency_id,
        case_id=case_id,
        area_id=area_id,
        title=title,
        params=params,
        link=link,
        created_at=now or utcnow(),
    )
    s.add(warning)
    await s.flush()
    await audit.record(s, audit.SYSTEM, "warning.raised", "warning", warning.id, {"key": key, "kind": kind})
    return warning


async def open_warnings(
    s: AsyncSession, agency_ids: frozenset[int] | None, limit: int = 200
) -> Sequence[EarlyWarning]:
    query = select(EarlyWarning).where(EarlyWarning.acknowledged_at.is_(None))
    if agency_ids is not None:
        query = query.where(EarlyWarning.agency_id.in_(agency_ids))
    return (await s.scalars(query.order_by(EarlyWarning.id.desc()).limit(limit))).all()


async def acknowledge(s: AsyncSession, actor: audit.Actor, warning_id: int, note: str = "") -> EarlyWarning:
    warning = await s.get(EarlyWarning, warning_id)
    if warning is None:
        raise NotFound()
    if warning.acknowledged_at is None:
        warning.acknowledged_at = utcnow()
        warning.acknowledged_by_id = actor.user_id
        warning.note = note[:500]
        await s.flush()
        await audit.record(s, actor, "warning.acknowledged", "warning", warning.id, {"note": note[:200]})
    return warning
