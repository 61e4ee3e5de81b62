"""Subscription feeds (``/calendar/{token}.ics``): a person's meetings, or an agency's.

The token in the URL is the key (calendar clients cannot log in); only its SHA-256 is stored, and
a revoked token stops working at once. A person's feed holds the meetings they are invited to,
or are secretary or chair of; an agency's feed the meetings it organises or is invited to (itself,
or through its people). Feeds reach a year back.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from hub import audit
from hub.errors import NotFound
from hub.models import Agency, User
from hub.orm import utcnow
from hub.secrets_util import new_token, token_hash
from meetings.calendars import rows
from meetings.models import CalendarFeedToken, Invitee, Meeting

HISTORY = timedelta(days=366)
PREFIX = "cal_"


async def create(
    s: AsyncSession, actor: audit.Actor, *, user_id: int | None, agency_id: int | None
) -> tuple[CalendarFeedToken, str]:
    """A new feed token for a person or an agency; returns the row and the token (shown once)."""
    if (user_id is None) == (agency_id is None):
        raise ValueError("a feed is a person's or an agency's")
    token = new_token(PREFIX, nbytes=24)
    row = CalendarFeedToken(
        token_hash=token_hash(token), user_id=user_id, agency_id=agency_id, created_by_id=actor.user_id
    )
    s.add(row)
    await s.flush()
    await audit.record(
        s, actor, "calendar_feed.created", "calendar_feed", row.id, {"user": user_id, "agency": agency_id}
    )
    return row, token


async def revoke(s: AsyncSession, actor: audit.Actor, row: CalendarFeedToken) -> CalendarFeedToken:
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        await s.flush()
        await audit.record(s, actor, "calendar_feed.revoked", "calendar_feed", row.id, {})
    return row


async def by_token(s: AsyncSession, token: str) -> CalendarFeedToken:
    """The live feed of a token; unknown and revoked tokens are simply not found, nor those of a
    person no longer active (a personal feed's owner, an agency feed's maker): leaving the
    service ends the feeds too."""
    row = await s.scalar(select(CalendarFeedToken).where(CalendarFeedToken.token_hash == token_hash(token)))
    if row is None or row.revoked_at is not None:
        raise NotFound()
    owner_id = row.user_id if row.user_id is not None else row.created_by_id
    if owner_id is not None and not await s.scalar(select(User.active).where(User.id == owner_id)):
        raise NotFound()
    return row


async def meetings_of(s: AsyncSession, row: CalendarFeedToken, now: datetime) -> list[rows.MeetingRow]:
    """The feed's meetings by start, with their invitees, as rows (``calendars.feed`` writes them)."""
    since = now - HISTORY
    if row.user_id is not None:
        invited = select(Invitee.meeting_id).where(Invitee.user_id == row.user_id)
        theirs = or_(
            Meeting.id.in_(invited), Meeting.secretary_id == row.user_id, Meeting.chair_id == row.user_id
        )
    else:
        # What the agency's people may all see: a person invited by name is not the agency.
        invited = select(Invitee.meeting_id).where(Invitee.via_agency_id == row.agency_id)
        theirs = or_(Meeting.organiser_agency_id == row.agency_id, Meeting.id.in_(invited))
    return await rows.meetings_where(s, Meeting.end >= since, theirs)


async def name_of(s: AsyncSession, row: CalendarFeedToken) -> str:
    if row.user_id is not None:
        name = await s.scalar(select(User.display_name).where(User.id == row.user_id))
    else:
        name = await s.scalar(select(Agency.name).where(Agency.id == row.agency_id))
    return f"{name or ''} · 联席会议"


async def listed(s: AsyncSession, user_id: int) -> Sequence[CalendarFeedToken]:
    """The feeds a person made or that are theirs."""
    query = select(CalendarFeedToken).where(
        or_(CalendarFeedToken.user_id == user_id, CalendarFeedToken.created_by_id == user_id)
    )
    return (await s.scalars(query.order_by(CalendarFeedToken.id))).all()
