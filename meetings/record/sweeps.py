"""The overdue-action check, run every few minutes by each hub process (idempotent: warning keys
make a second run, or a second process's run, a no-op).

An action past its due date and still open raises an early warning (kind ``action_overdue``) for
its owner agency (or its owner's agency), which the supervisors above see, and tells the owners.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.db import Database
from hub.early_warnings import known_keys, raise_warning
from hub.events import Outbox
from hub.i18n import N_
from hub.models import User
from hub.notifications import notify
from meetings.models import ActionItem, Meeting
from meetings.timezones import DEFAULT_ZONE, to_local

KIND = "action_overdue"


def warning_key(action_id: int) -> str:
    return f"{KIND}:action:{action_id}"


async def warn_overdue_actions(db: Database, now: datetime, outbox: Outbox, zone: str = DEFAULT_ZONE) -> int:
    """Raise one warning per open action whose due date (a local day) has passed; returns how many
    were raised now."""
    today = to_local(now, zone).date()
    async with db.read() as s:
        rows = (
            await s.execute(
                select(ActionItem, Meeting.title)
                .join(Meeting, Meeting.id == ActionItem.meeting_id)
                .where(ActionItem.status.in_(["open", "in_progress"]), ActionItem.due < today)
            )
        ).all()
        warned = await known_keys(s, [warning_key(action.id) for action, _title in rows])
    raised = 0
    for action, title in rows:
        if warning_key(action.id) in warned:
            continue
        async with db.write() as s:
            agency_id = action.owner_agency_id
            if agency_id is None and action.owner_user_id is not None:
                agency_id = await s.scalar(select(User.agency_id).where(User.id == action.owner_user_id))
            link = f"/meetings/{action.meeting_id}"
            warning = await raise_warning(
                s,
                key=warning_key(action.id),
                kind=KIND,
                title=N_("Action from %(meeting)s is overdue (due %(due)s): %(text)s"),
                agency_id=agency_id,
                case_id=action.case_id,
                link=link,
                now=now,
                meeting=title,
                due=action.due.isoformat(),
                text=action.text[:80],
            )
            if warning is None:
                continue
            raised += 1
            owners = [action.owner_user_id] if action.owner_user_id else await _members(s, agency_id)
            await notify(
                s,
                outbox,
                owners,
                "meeting.action_overdue",
                N_("Action from %(meeting)s is overdue (due %(due)s): %(text)s"),
                link,
                meeting=title,
                due=action.due.isoformat(),
                text=action.text[:80],
            )
    return raised


async def _members(s: AsyncSession, agency_id: int | None) -> list[int]:
    if agency_id is None:
        return []
    query = select(User.id).where(User.agency_id == agency_id, User.active.is_(True))
    return list((await s.scalars(query)).all())
