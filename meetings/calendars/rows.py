"""What calendar files read of meetings, as plain rows (issue #16: "the feed of 1,000 events < 100 ms").

A feed of a year's meetings reads every one of them and its invitees; as ORM objects (identity map,
change tracking, the agenda loader, each invitee an object with a token hash) that read cost most
of a feed. Here the same data comes as SQLAlchemy Core rows of the columns the writer needs, in
three SELECTs whatever the size: the meetings, their invitees, the people named. The writer
(``calendars``) reads meetings, series and people through the protocols below, which the ORM
objects satisfy too (one meeting's file and the invitation mails still pass those).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from datetime import datetime
from typing import NamedTuple, Protocol

from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.models import User
from meetings.models import Invitee, Meeting, Series
from meetings.series import OccurrenceState, SeriesRule


class InviteeLike(Protocol):
    @property
    def user_id(self) -> int: ...
    @property
    def rsvp(self) -> str: ...


class MeetingLike(OccurrenceState, Protocol):
    """What a calendar file says of a meeting: ``meetings.models.Meeting`` or a ``MeetingRow``."""

    @property
    def id(self) -> int: ...
    @property
    def uid(self) -> str: ...
    @property
    def series_id(self) -> int | None: ...
    @property
    def title(self) -> str: ...
    @property
    def organiser_agency_id(self) -> int: ...
    @property
    def secretary_id(self) -> int | None: ...
    @property
    def chair_id(self) -> int | None: ...
    @property
    def time_zone(self) -> str: ...
    @property
    def place(self) -> str: ...
    @property
    def sequence(self) -> int: ...
    @property
    def created_at(self) -> datetime: ...
    @property
    def updated_at(self) -> datetime: ...
    @property
    def invitees(self) -> Sequence[InviteeLike]: ...


class SeriesLike(SeriesRule, Protocol):
    """What a calendar file says of a series: ``meetings.models.Series`` or a ``SeriesRow``."""

    @property
    def id(self) -> int: ...
    @property
    def uid(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def place(self) -> str: ...
    @property
    def sequence(self) -> int: ...
    @property
    def cancelled(self) -> bool: ...
    @property
    def created_at(self) -> datetime: ...


class PersonLike(Protocol):
    @property
    def id(self) -> int: ...
    @property
    def display_name(self) -> str: ...
    @property
    def email(self) -> str: ...


class InviteeRow(NamedTuple):
    meeting_id: int
    user_id: int
    rsvp: str


class MeetingRow(NamedTuple):
    """A meeting as a feed reads it (the columns of ``MEETING``, then its invitees by id)."""

    id: int
    uid: str
    series_id: int | None
    recurrence_id: datetime | None
    title: str
    organiser_agency_id: int
    secretary_id: int | None
    chair_id: int | None
    start: datetime
    end: datetime
    time_zone: str
    place: str
    status: str
    moved: bool
    sequence: int
    created_at: datetime
    updated_at: datetime
    invitees: tuple[InviteeRow, ...]


class SeriesRow(NamedTuple):
    id: int
    uid: str
    title: str
    rrule: str
    time_zone: str
    first_start: datetime
    duration_minutes: int
    place: str
    sequence: int
    cancelled: bool
    created_at: datetime


class PersonRow(NamedTuple):
    id: int
    display_name: str
    email: str


# The columns of the rows above, in their order (the ORM's column types: times come back aware).
MEETING = (
    Meeting.id,
    Meeting.uid,
    Meeting.series_id,
    Meeting.recurrence_id,
    Meeting.title,
    Meeting.organiser_agency_id,
    Meeting.secretary_id,
    Meeting.chair_id,
    Meeting.start,
    Meeting.end,
    Meeting.time_zone,
    Meeting.place,
    Meeting.status,
    Meeting.moved,
    Meeting.sequence,
    Meeting.created_at,
    Meeting.updated_at,
)
SERIES = (
    Series.id,
    Series.uid,
    Series.title,
    Series.rrule,
    Series.time_zone,
    Series.first_start,
    Series.duration_minutes,
    Series.place,
    Series.sequence,
    Series.cancelled,
    Series.created_at,
)
_NONE: tuple[InviteeRow, ...] = ()


async def meetings_where(s: AsyncSession, *where: ColumnElement[bool]) -> list[MeetingRow]:
    """The meetings that meet ``where``, by start (then id), each with its invitees (by id, as
    ``Meeting.invitees`` orders them): two SELECTs."""
    conn = await s.connection()  # Core execution: no ORM result processing for plain columns
    found = await conn.execute(select(*MEETING).where(*where).order_by(Meeting.start, Meeting.id))
    ids = select(Meeting.id).where(*where).scalar_subquery()
    query = select(Invitee.meeting_id, Invitee.user_id, Invitee.rsvp).where(Invitee.meeting_id.in_(ids))
    invited: dict[int, list[InviteeRow]] = {}
    for row in await conn.execute(query.order_by(Invitee.id)):
        invited.setdefault(row[0], []).append(InviteeRow(*row))
    make = MeetingRow._make
    return [make((*row, tuple(invited.get(row[0], _NONE)))) for row in found]


async def occurrences(s: AsyncSession, series_ids: Collection[int]) -> dict[int, list[MeetingRow]]:
    """The occurrences of these series, each series' by RECURRENCE-ID, without their invitees
    (a series' attendees are those of the meeting it is written for)."""
    found: dict[int, list[MeetingRow]] = {i: [] for i in series_ids}
    if not series_ids:
        return found
    query = select(*MEETING).where(Meeting.series_id.in_(series_ids))
    for row in await (await s.connection()).execute(query.order_by(Meeting.recurrence_id, Meeting.id)):
        found[row.series_id].append(MeetingRow._make((*row, _NONE)))
    return found


async def series(s: AsyncSession, series_ids: Collection[int]) -> dict[int, SeriesRow]:
    if not series_ids:
        return {}
    rows = await (await s.connection()).execute(select(*SERIES).where(Series.id.in_(series_ids)))
    return {row.id: SeriesRow._make(row) for row in rows}


async def people(s: AsyncSession, user_ids: Iterable[int]) -> dict[int, PersonRow]:
    wanted = set(user_ids) - {0}
    if not wanted:
        return {}
    query = select(User.id, User.display_name, User.email).where(User.id.in_(wanted))
    rows = await (await s.connection()).execute(query)
    return {row.id: PersonRow._make(row) for row in rows}
