"""Per-person notification inbox, shared by every domain package.

A notification is written in the same transaction as what it reports and announced on the events
bus (topic ``user:<id>``) after commit, so the inbox badge updates live. Titles are message ids with
parameters, translated when shown, so each reader sees their own language.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import JSON, ForeignKey, String, Table, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from hub.cache import cached
from hub.events import Outbox
from hub.i18n import gettext
from hub.models import Role, User, UserRole
from hub.orm import Base, utcnow


class Notification(Base):
    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(48))
    title: Mapped[str] = mapped_column(String(200))  # English message id
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    link: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(default=None)

    def text(self, locale: str | None = None, params: dict[str, Any] | None = None) -> str:
        """The title in the reader's language with its parameters (``params``: the stored ones
        with their codes named, ``hub.labels.labelled``)."""
        message = gettext(self.title, locale)
        params = self.params if params is None else params
        try:
            return message % params if params else message
        except (KeyError, ValueError, TypeError):
            return message


_NOTIFICATIONS = cast(Table, Notification.__table__)


async def notify(
    s: AsyncSession,
    outbox: Outbox,
    user_ids: Iterable[int],
    kind: str,
    title: str,
    link: str = "",
    **params: Any,
) -> list[int]:
    """Write one notification per person; the outbox announces them after commit."""
    ids = sorted(set(user_ids))
    if not ids:
        return ids
    now = utcnow()
    row = {"kind": kind, "title": title, "params": params, "link": link, "created_at": now, "read_at": None}
    # One INSERT through Core: nothing reads these rows back as objects in the transaction.
    await s.execute(insert(_NOTIFICATIONS), [{**row, "user_id": user_id} for user_id in ids])
    for user_id in ids:
        outbox.add(f"user:{user_id}", "notification", what=kind, link=link)
    return ids


async def people_with_role(s: AsyncSession, agency_ids: Iterable[int], *roles: Role | str) -> list[int]:
    """Active users of these agencies holding any of the roles (kept in the directory cache)."""
    agencies = tuple(sorted(set(agency_ids)))
    names = tuple(sorted({str(r) for r in roles}))
    return list(await cached(s, ("people_with_role", agencies, names), lambda: _people(s, agencies, names)))


async def _people(s: AsyncSession, agency_ids: tuple[int, ...], roles: tuple[str, ...]) -> tuple[int, ...]:
    query = (
        select(User.id)
        .join(UserRole, UserRole.user_id == User.id)
        .where(
            User.agency_id.in_(list(agency_ids)),
            User.active.is_(True),
            UserRole.role.in_(list(roles)),
        )
        .distinct()
    )
    return tuple((await s.scalars(query)).all())


async def inbox(s: AsyncSession, user_id: int, limit: int = 50) -> Sequence[Notification]:
    query = (
        select(Notification)
        .where(Notification.user_id == user_id)
        .order_by(Notification.id.desc())
        .limit(limit)
    )
    return (await s.scalars(query)).all()


async def unread_count(s: AsyncSession, user_id: int) -> int:
    query = select(func.count(Notification.id)).where(
        Notification.user_id == user_id, Notification.read_at.is_(None)
    )
    return int(await s.scalar(query) or 0)


async def mark_read(s: AsyncSession, user_id: int, notification_ids: Iterable[int] | None = None) -> None:
    query = update(Notification).where(Notification.user_id == user_id, Notification.read_at.is_(None))
    if notification_ids is not None:
        query = query.where(Notification.id.in_(list(notification_ids)))
    await s.execute(query.values(read_at=utcnow()))
