"""Meeting use cases: schedule, change, cancel, invite, RSVP (the record of a meeting is ``record``).

Every change to what invitees see in their calendars raises the meeting's SEQUENCE (RFC 5545), and
writes its audit row in the same transaction.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub import audit
from hub.errors import NotFound, ValidationFailed
from hub.events import Outbox
from hub.i18n import N_
from hub.models import User, UserRole
from hub.notifications import notify
from hub.orm import utcnow
from hub.secrets_util import new_token, token_hash
from meetings.errors import EndBeforeStart, MeetingClosed, MeetingHeld, RSVPExpired, RSVPRefused
from meetings.models import Invitee, Meeting, Series
from meetings.timezones import zone

RSVP_VALUES = ("accepted", "declined", "tentative")


@dataclass(frozen=True)
class MeetingInput:
    title: str
    organiser_agency_id: int
    start: datetime
    end: datetime
    time_zone: str = "Asia/Shanghai"
    place: str = ""
    secretary_id: int | None = None
    chair_id: int | None = None

    def __post_init__(self) -> None:
        zone(self.time_zone)  # UnknownTimeZone
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValidationFailed(N_("Give times with their time zone."))
        if self.end <= self.start:
            raise EndBeforeStart()
        if not self.title.strip():
            raise ValidationFailed(N_("Give the meeting a title."))


def new_uid() -> str:
    return f"{uuid.uuid4()}@gongtiao"


async def get_meeting(s: AsyncSession, meeting_id: int) -> Meeting:
    meeting = await s.get(Meeting, meeting_id)
    if meeting is None:
        raise NotFound()
    return meeting


async def create_meeting(
    s: AsyncSession,
    actor: audit.Actor,
    data: MeetingInput,
    *,
    series_id: int | None = None,
    recurrence_id: datetime | None = None,
    uid: str | None = None,
) -> Meeting:
    meeting = Meeting(
        uid=uid or new_uid(),
        series_id=series_id,
        recurrence_id=recurrence_id,
        title=data.title.strip(),
        organiser_agency_id=data.organiser_agency_id,
        secretary_id=data.secretary_id,
        chair_id=data.chair_id,
        start=data.start,
        end=data.end,
        time_zone=data.time_zone,
        place=data.place,
        status="scheduled",
        invitees=[],
        agenda=[],
    )
    s.add(meeting)
    await s.flush()
    await audit.record(
        s,
        actor,
        "meeting.scheduled",
        "meeting",
        meeting.id,
        {"title": meeting.title, "start": meeting.start.isoformat()},
    )
    return meeting


async def touch(s: AsyncSession, meeting: Meeting) -> None:
    """Something invitees see changed: a new SEQUENCE for calendar clients, on the meeting and, for
    an occurrence, on its series (whose calendar object carries every occurrence). The counters
    are read again under a row lock: two secretaries changing two occurrences at once must not
    both write the same next number (calendar clients ignore an update that does not rise)."""
    await s.refresh(meeting, ["sequence"], with_for_update=True)
    meeting.sequence += 1
    meeting.updated_at = utcnow()
    if meeting.series_id is not None:
        series = await s.get(Series, meeting.series_id, with_for_update=True, populate_existing=True)
        if series is not None:
            series.sequence += 1


async def retitle(s: AsyncSession, actor: audit.Actor, meeting: Meeting, title: str) -> None:
    if title == meeting.title:
        return
    before, meeting.title = meeting.title, title
    await touch(s, meeting)
    await audit.record(s, actor, "meeting.retitled", "meeting", meeting.id, {"from": before, "to": title})


async def reschedule(
    s: AsyncSession,
    actor: audit.Actor,
    meeting: Meeting,
    start: datetime,
    end: datetime,
    place: str | None = None,
) -> Meeting:
    ensure_open(meeting)
    MeetingInput(meeting.title, meeting.organiser_agency_id, start, end, meeting.time_zone)  # validates
    meeting.start, meeting.end = start, end
    if place is not None:
        meeting.place = place
    meeting.moved = meeting.series_id is not None
    await touch(s, meeting)
    await s.flush()
    await audit.record(
        s,
        actor,
        "meeting.rescheduled",
        "meeting",
        meeting.id,
        {"start": start.isoformat(), "end": end.isoformat(), "sequence": meeting.sequence},
    )
    return meeting


async def cancel(s: AsyncSession, actor: audit.Actor, meeting: Meeting, reason: str = "") -> Meeting:
    """Call the meeting off; one that has taken place keeps its record (attendance, minutes)."""
    ensure_open(meeting)
    if meeting.status == "held":
        raise MeetingHeld()
    meeting.status = "cancelled"
    await touch(s, meeting)
    await s.flush()
    await audit.record(s, actor, "meeting.cancelled", "meeting", meeting.id, {"reason": reason[:200]})
    return meeting


def ensure_open(meeting: Meeting) -> None:
    if meeting.status == "cancelled":
        raise MeetingClosed()


# --- invitations ----------------------------------------------------------------------------------


async def invite(
    s: AsyncSession,
    actor: audit.Actor,
    meeting: Meeting,
    *,
    user_ids: Iterable[int] = (),
    agency_ids: Iterable[int] = (),
    roles: Iterable[str] = (),
    outbox: Outbox,
    quiet: bool = False,
) -> dict[int, str]:
    """Invite people, or the active members of some agencies (only those holding one of ``roles``,
    when given). Returns user id -> RSVP token for the new invitees (only their hashes are kept;
    the tokens go into the invitation links). ``quiet``: no notification (the caller sends one for
    a whole series)."""
    ensure_open(meeting)
    wanted: dict[int, int | None] = {uid: None for uid in user_ids}
    for agency_id in agency_ids:
        members = select(User.id).where(User.agency_id == agency_id, User.active.is_(True))
        if roles:
            members = members.where(
                User.id.in_(select(UserRole.user_id).where(UserRole.role.in_(list(roles))))
            )
        for uid in (await s.scalars(members)).all():
            wanted.setdefault(uid, agency_id)
    existing = {i.user_id for i in meeting.invitees}
    tokens: dict[int, str] = {}
    for uid, via in wanted.items():
        if uid in existing or await s.get(User, uid) is None:
            continue
        token = new_token(nbytes=24)
        meeting.invitees.append(Invitee(user_id=uid, via_agency_id=via, rsvp_token_hash=token_hash(token)))
        tokens[uid] = token
    if tokens:
        await touch(s, meeting)
        await s.flush()
        await audit.record(s, actor, "meeting.invited", "meeting", meeting.id, {"users": sorted(tokens)})
    if tokens and not quiet:
        await notify(
            s,
            outbox,
            tokens,
            "meeting.invited",
            N_("You are invited to %(meeting)s on %(when)s"),
            f"/meetings/{meeting.id}",
            meeting=meeting.title,
            when=local_text(meeting),
        )
    return tokens


def local_text(meeting: Meeting) -> str:
    return meeting.start.astimezone(zone(meeting.time_zone)).strftime("%Y-%m-%d %H:%M")


async def rsvp(s: AsyncSession, meeting: Meeting, invitee: Invitee, answer: str) -> Invitee:
    if answer not in RSVP_VALUES:
        raise ValidationFailed(N_("Answer accept, decline or tentative."))
    ensure_open(meeting)
    invitee.rsvp, invitee.rsvp_at = answer, utcnow()
    await s.flush()
    await audit.record(
        s,
        audit.Actor(invitee.user_id, None),
        "meeting.rsvp",
        "meeting",
        meeting.id,
        {"user": invitee.user_id, "answer": answer},
    )
    return invitee


async def invitee_by_token(s: AsyncSession, meeting_id: int, token: str) -> Invitee:
    """The invitee whose link this is; a token of another meeting or person is refused, and one
    of a meeting that is over, or of a person no longer active, has expired."""
    invitee = await s.scalar(select(Invitee).where(Invitee.rsvp_token_hash == token_hash(token)))
    if invitee is None or invitee.meeting_id != meeting_id:
        raise RSVPRefused()
    meeting = await s.get(Meeting, meeting_id)
    person = await s.get(User, invitee.user_id)
    if meeting is None or meeting.end <= utcnow() or person is None or not person.active:
        raise RSVPExpired()
    return invitee


# --- agenda, decisions, actions -------------------------------------------------------------------
