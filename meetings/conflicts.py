"""Booking conflicts: an invited agency that already has a meeting at that time.

A conflict is a warning shown to the secretary, never a refusal: two meetings of one agency may
well overlap when different people go. An agency's bookings are the meetings (not cancelled) it
organises or to which it, or one of its people, is invited. The comparison itself is the pure
``recurrence.find_conflicts``; this module only gathers the bookings.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.models import Agency, User
from hub.permissions import Guard
from meetings.models import Invitee, Meeting
from meetings.permissions import visible
from meetings.recurrence import Booking, Interval, find_conflicts


@dataclass(frozen=True)
class ConflictNotice:
    """What the secretary is shown: which agency, which of its meetings, and when."""

    agency_id: int
    agency_name: str
    meeting_id: int | None
    title: str
    start: datetime
    end: datetime
    proposed_start: datetime


async def bookings(
    s: AsyncSession, start: datetime, end: datetime, agency_ids: Collection[int] | None = None
) -> list[Booking]:
    """The meetings overlapping ``[start, end)``: every agency's, or those of ``agency_ids`` (a
    series planned five years ahead must not read every agency's five years)."""
    query = select(Meeting.id, Meeting.title, Meeting.start, Meeting.end, Meeting.organiser_agency_id).where(
        Meeting.status != "cancelled", Meeting.start < end, Meeting.end > start
    )
    if agency_ids is not None:
        ids = list(agency_ids)
        involved = (
            select(Invitee.meeting_id)
            .join(User, User.id == Invitee.user_id)
            .where(or_(User.agency_id.in_(ids), Invitee.via_agency_id.in_(ids)))
        )
        query = query.where(or_(Meeting.organiser_agency_id.in_(ids), Meeting.id.in_(involved)))
    meetings = (await s.execute(query)).all()
    if not meetings:
        return []
    by_id = {m.id: m for m in meetings}
    agencies: dict[int, set[int]] = {m.id: {m.organiser_agency_id} for m in meetings}
    invited = await s.execute(
        select(Invitee.meeting_id, Invitee.via_agency_id, User.agency_id)
        .join(User, User.id == Invitee.user_id)
        .where(Invitee.meeting_id.in_(list(by_id)))
    )
    for meeting_id, via, agency_id in invited.all():
        agencies[meeting_id].add(agency_id)
        if via is not None:
            agencies[meeting_id].add(via)
    return [
        Booking(agency_id, Interval(m.start, m.end), m.id, m.title)
        for m in meetings
        for agency_id in sorted(agencies[m.id])
    ]


async def agencies_of(s: AsyncSession, user_ids: Iterable[int], agency_ids: Iterable[int] = ()) -> set[int]:
    """The agencies of some people, with some agencies added."""
    found = set(agency_ids)
    ids = list(user_ids)
    if ids:
        found |= set((await s.scalars(select(User.agency_id).where(User.id.in_(ids)))).all())
    return found


async def check(
    s: AsyncSession,
    intervals: Sequence[Interval],
    agency_ids: Collection[int],
    *,
    ignore_meetings: Collection[int] = (),
) -> list[ConflictNotice]:
    """Conflicts of the proposed times with the bookings of the given agencies."""
    if not intervals or not agency_ids:
        return []
    low = min(i.start for i in intervals)
    high = max(i.end for i in intervals)
    found = find_conflicts(
        intervals, agency_ids, await bookings(s, low, high, agency_ids), ignore_meetings=ignore_meetings
    )
    if not found:
        return []
    names = dict(
        (
            await s.execute(select(Agency.id, Agency.name).where(Agency.id.in_({c.agency_id for c in found})))
        ).all()
    )
    return [
        ConflictNotice(
            c.agency_id,
            names.get(c.agency_id, ""),
            c.booking.meeting_id,
            c.booking.title,
            c.booking.interval.start,
            c.booking.interval.end,
            c.proposed.start,
        )
        for c in found
    ]


async def for_meetings(
    s: AsyncSession, meetings: Sequence[Meeting], agency_ids: Collection[int]
) -> list[ConflictNotice]:
    """Conflicts of some meetings (e.g. a series' occurrences) for the given agencies, leaving out
    the meetings themselves."""
    live = [m for m in meetings if m.status != "cancelled"]
    intervals = [Interval(m.start, m.end) for m in live]
    return await check(s, intervals, agency_ids, ignore_meetings={m.id for m in live})


async def invited_agencies(s: AsyncSession, meeting: Meeting) -> set[int]:
    """The agencies of a meeting's invitees (the agencies whose calendars could clash)."""
    return await agencies_of(
        s,
        [i.user_id for i in meeting.invitees],
        [i.via_agency_id for i in meeting.invitees if i.via_agency_id],
    )


async def as_seen_by(s: AsyncSession, found: Sequence[ConflictNotice], viewer: Guard) -> list[ConflictNotice]:
    """The conflicts as this person may be shown them: which agency is busy and when, always (that
    is the warning); the title and link only of the meetings they may see themselves."""
    ids = {c.meeting_id for c in found if c.meeting_id is not None}
    seen = set(
        await s.scalars(
            select(Meeting.id).where(Meeting.id.in_(ids), visible(viewer.scope, viewer.principal.user_id))
        )
    )
    return [c if c.meeting_id in seen else replace(c, meeting_id=None, title="") for c in found]
