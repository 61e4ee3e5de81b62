"""Meetings as calendar events: the database side of ``ical`` (which stays pure).

- ``meeting_calendar``: the file of one meeting (``/meetings/{id}.ics``). A meeting alone is one
  VEVENT; an occurrence of a series gives the whole series (RRULE, EXDATE for cancelled
  occurrences, RECURRENCE-ID overrides for moved ones), since calendar clients keep a series as one
  object under its UID. METHOD:CANCEL when the meeting (or the series) is cancelled; a cancelled
  occurrence is cancelled by its RECURRENCE-ID.
- ``feed``: a subscription feed of many meetings (series grouped the same way).
- Someone invited to one occurrence (not to the series from some occurrence on: ``follows_series``)
  gets that occurrence alone, under a UID of its own (``occurrence_calendar``), in feeds and mail.

SEQUENCE is the meeting's (the series' for a series, raised with every change to any occurrence).
DTSTAMP is when the file's content last changed (an edit of the meeting, or of any occurrence of
its series, or an invitee's answer) in the files handed out (``/meetings/{id}.ics``, feeds), so
that an unchanged meeting is the same octets and its ETag holds; an invitation mail passes the
moment it is made (RFC 5546: a newer message of the same SEQUENCE has the later DTSTAMP).

A feed reads its meetings, series and people as Core rows (``rows``); one meeting's file and the
mails pass ORM objects. Both satisfy the protocols of ``rows``.
"""

from __future__ import annotations

import dataclasses
import ipaddress
from collections.abc import Collection, Mapping, Sequence
from datetime import UTC, datetime
from functools import lru_cache
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.models import Agency
from hub.workdays.calendar import StatutoryCalendar
from hub.workdays.service import load as statutory_calendar
from meetings import holidays
from meetings import series as series_service
from meetings.calendars import rows
from meetings.calendars.ical import (
    EVENT_CACHE,
    PARTSTAT_OF_RSVP,
    Attendee,
    CalendarEvent,
    Method,
    Organizer,
    Override,
    Role,
    Status,
    Written,
    event_calendar,
    feed_calendar,
    series_event,
    valid_email,
    written,
)
from meetings.calendars.rows import MeetingLike, PersonLike, SeriesLike
from meetings.models import Meeting


def sender_address(base_url: str) -> str:
    """An address for the organizer when the secretary has none: ``noreply@`` the hub's host name,
    or a reserved, undeliverable one (RFC 2606 ``.invalid``) for an address-less or local host."""
    host = urlsplit(base_url).hostname or ""
    try:
        ipaddress.ip_address(host)
        host = ""
    except ValueError:
        pass
    if "." not in host or host.endswith(".localhost"):
        host = "gongtiao.invalid"
    return f"noreply@{host}"


@dataclasses.dataclass(frozen=True)
class Details:
    """What every event of a meeting carries besides its times."""

    organizer: Organizer
    attendees: tuple[Attendee, ...]
    url: str
    location: str


@dataclasses.dataclass(frozen=True)
class People:
    """The users and organiser names that some meetings' calendars mention, fetched in two queries."""

    users: Mapping[int, PersonLike]
    agencies: dict[int, str]


async def people_of(s: AsyncSession, meetings: Sequence[MeetingLike]) -> People:
    wanted: set[int] = set()
    for m in meetings:
        wanted |= {i.user_id for i in m.invitees} | {m.secretary_id or 0, m.chair_id or 0}
    users = await rows.people(s, wanted)
    organisers = {m.organiser_agency_id for m in meetings}
    names = (await s.execute(select(Agency.id, Agency.name).where(Agency.id.in_(organisers)))).all()
    return People(users, {i: n for i, n in names})


async def details(
    s: AsyncSession, meeting: MeetingLike, base_url: str, people: People | None = None
) -> Details:
    return _details(meeting, base_url, people or await people_of(s, [meeting]))


def _details(meeting: MeetingLike, base_url: str, people: People) -> Details:
    users = people.users
    organiser = people.agencies.get(meeting.organiser_agency_id, "")
    secretary = users.get(meeting.secretary_id or 0)
    email = secretary.email if secretary and valid_email(secretary.email) else sender_address(base_url)
    attendees = []
    for invitee in meeting.invitees:
        user = users.get(invitee.user_id)
        if user is None or not valid_email(user.email):
            continue
        role = Role.CHAIR if user.id == meeting.chair_id else Role.REQUIRED
        attendees.append(Attendee(user.display_name, user.email, PARTSTAT_OF_RSVP[invitee.rsvp], role))
    chair = users.get(meeting.chair_id or 0)
    if chair and valid_email(chair.email) and chair.id not in {i.user_id for i in meeting.invitees}:
        attendees.insert(0, Attendee(chair.display_name, chair.email, role=Role.CHAIR, rsvp=False))
    return Details(
        Organizer(organiser, email), tuple(attendees), f"{base_url}/meetings/{meeting.id}", meeting.place
    )


def _summary(meeting: MeetingLike, calendar: StatutoryCalendar) -> str:
    """The title, with the holiday or rest day it falls on (a cancelled meeting needs none)."""
    if meeting.status == "cancelled":
        return meeting.title
    return holidays.flagged(meeting.title, holidays.rest_day(meeting.start, meeting.time_zone, calendar))


def _single(meeting: MeetingLike, d: Details, stamp: datetime, calendar: StatutoryCalendar) -> CalendarEvent:
    return _event(meeting, d, stamp, _summary(meeting, calendar))


def _event(meeting: MeetingLike, d: Details, stamp: datetime, summary: str) -> CalendarEvent:
    return CalendarEvent(
        uid=meeting.uid,
        sequence=meeting.sequence,
        summary=summary,
        start=meeting.start,
        end=meeting.end,
        stamp=stamp,
        zone=meeting.time_zone,
        location=d.location,
        url=d.url,
        organizer=d.organizer,
        attendees=d.attendees,
        status=Status.CANCELLED if meeting.status == "cancelled" else Status.CONFIRMED,
        created=meeting.created_at,
        last_modified=meeting.updated_at,
    )


def _series(
    series: SeriesLike,
    occurrences: Sequence[MeetingLike],
    d: Details,
    stamp: datetime,
    calendar: StatutoryCalendar,
) -> CalendarEvent:
    """The series: moved occurrences, and those on a holiday or rest day (with the holiday in
    their title), as overrides under their RECURRENCE-ID."""
    recurrence = series_service.recurrence_of(series, occurrences)
    event = series_event(
        recurrence,
        uid=series.uid,
        sequence=series.sequence,
        summary=series.title,
        stamp=stamp,
        location=series.place,
        url=d.url,
        organizer=d.organizer,
        attendees=d.attendees,
        status=Status.CANCELLED if series.cancelled else Status.CONFIRMED,
        created=series.created_at,
    )
    places = {m.recurrence_id: m.place for m in occurrences}
    overrides = {
        o.recurrence_id: dataclasses.replace(o, location=places.get(o.recurrence_id) or None)
        for o in event.overrides
    }
    for m in occurrences:
        title = _summary(m, calendar)
        if m.recurrence_id is None or title == m.title:
            continue
        found = overrides.get(m.recurrence_id) or Override(m.recurrence_id, m.start, m.end)
        overrides[m.recurrence_id] = dataclasses.replace(found, summary=title)
    return dataclasses.replace(event, overrides=tuple(overrides.values()))


def follows_series(occurrences: Sequence[MeetingLike], chosen: Collection[int]) -> bool:
    """Whether someone whose occurrences of a series are ``chosen`` (ids) follows the series:
    from the first of them on, every occurrence not cancelled is theirs. Who follows a series
    gets the series (one object under its UID); who was asked to one meeting of it gets that
    meeting alone, not a year of meetings they were never invited to."""
    ordered = sorted(occurrences, key=lambda m: m.start)
    first = next((i for i, m in enumerate(ordered) if m.id in chosen), None)
    if first is None:
        return False
    return all(m.id in chosen for m in ordered[first:] if m.status != "cancelled")


async def followers(s: AsyncSession, meeting: Meeting) -> set[int]:
    """The people who follow the series of this occurrence (``follows_series``), and its secretary
    and chair."""
    assert meeting.series_id is not None
    occurrences = await series_service.occurrences(s, meeting.series_id)
    invited: dict[int, set[int]] = {}
    for m in occurrences:
        for i in m.invitees:
            invited.setdefault(i.user_id, set()).add(m.id)
    found = {uid for uid, ids in invited.items() if follows_series(occurrences, ids)}
    return found | {meeting.secretary_id or 0, meeting.chair_id or 0}


def occurrence_uid(series: SeriesLike, meeting: MeetingLike) -> str:
    """A stable UID of its own for one occurrence sent alone (the series' UID names the series)."""
    assert meeting.recurrence_id is not None
    original = meeting.recurrence_id.astimezone(UTC)
    return f"{original:%Y%m%dT%H%M%SZ}-{series.uid}"


def _occurrence(
    series: SeriesLike, meeting: MeetingLike, d: Details, stamp: datetime, calendar: StatutoryCalendar
) -> CalendarEvent:
    event = _single(meeting, d, stamp, calendar)
    if series.cancelled:
        event = dataclasses.replace(event, status=Status.CANCELLED)
    return dataclasses.replace(event, uid=occurrence_uid(series, meeting))


def last_change(meeting: Meeting, occurrences: Sequence[Meeting] = ()) -> datetime:
    """When a file of this meeting last changed: an edit of it or of an occurrence of its series
    (``updated_at``, raised with every SEQUENCE), or an answer of one of its invitees (PARTSTAT).
    RFC 5545 3.8.7.2: without METHOD, DTSTAMP is when the information was last revised; the file
    handed out again unchanged is the same object, so it keeps that DTSTAMP too."""
    answers = [i.rsvp_at for i in meeting.invitees if i.rsvp_at is not None]
    return max([meeting.updated_at, *(m.updated_at for m in occurrences), *answers])


async def occurrence_calendar(
    s: AsyncSession, meeting: Meeting, base_url: str, stamp: datetime | None = None
) -> tuple[bytes, Method]:
    """The .ics of one occurrence of a series on its own, for those invited to it alone.
    ``stamp``: when a mail is made; by default when the meeting last changed (``last_change``)."""
    assert meeting.series_id is not None
    series = await series_service.get_series(s, meeting.series_id)
    d = await details(s, meeting, base_url)
    cancelled = meeting.status == "cancelled" or series.cancelled
    method = Method.CANCEL if cancelled else Method.REQUEST
    stamp = stamp or last_change(meeting)
    event = _occurrence(series, meeting, d, stamp, await statutory_calendar(s))
    return event_calendar(event, method), method


async def meeting_calendar(
    s: AsyncSession, meeting: Meeting, base_url: str, stamp: datetime | None = None
) -> tuple[bytes, Method]:
    """The .ics of one meeting, and its method (REQUEST or CANCEL). ``stamp`` (DTSTAMP): when a
    mail is made; by default when the file last changed (``last_change``), so that an unchanged
    meeting is the same octets."""
    d = await details(s, meeting, base_url)
    calendar = await statutory_calendar(s)
    if meeting.series_id is None:
        method = Method.CANCEL if meeting.status == "cancelled" else Method.REQUEST
        event = _single(meeting, d, stamp or last_change(meeting), calendar)
        return event_calendar(event, method), method
    series = await series_service.get_series(s, meeting.series_id)
    if meeting.status == "cancelled" and not series.cancelled:
        single = dataclasses.replace(
            _single(meeting, d, stamp or last_change(meeting), calendar),
            uid=series.uid,
            sequence=series.sequence,
            recurrence_id=meeting.recurrence_id,
        )
        return event_calendar(single, Method.CANCEL), Method.CANCEL
    occurrences = await series_service.occurrences(s, series.id)
    event = _series(series, occurrences, d, stamp or last_change(meeting, occurrences), calendar)
    method = Method.CANCEL if series.cancelled else Method.REQUEST
    return event_calendar(event, method), method


@lru_cache(maxsize=EVENT_CACHE)
def _kept_single(
    meeting: rows.MeetingRow,
    named: tuple[PersonLike | None, ...],
    organiser: str,
    base_url: str,
    summary: str,
) -> Written:
    """The VEVENT of a meeting alone in a feed, kept by everything it is written from: its row (its
    invitees' answers included), the people it names (secretary, chair, invitees: ``named``), its
    organiser's name, the hub's address and its title as the statutory calendar flags it. A feed
    asked again then builds no event for a meeting that did not change: the key is plain tuples,
    cheaper to hash and compare than the ``CalendarEvent`` that ``ical.written`` keeps."""
    people = People({p.id: p for p in named if p is not None}, {meeting.organiser_agency_id: organiser})
    event = _event(meeting, _details(meeting, base_url, people), meeting.updated_at, summary)
    return written.__wrapped__(event)  # kept here, not twice: the event itself is not kept


def forget_written() -> None:
    """Drop every kept VEVENT (for measuring a feed written from nothing)."""
    _kept_single.cache_clear()
    written.cache_clear()


def _single_written(
    meeting: rows.MeetingRow, people: People, base_url: str, calendar: StatutoryCalendar
) -> Written:
    users = people.users
    named = tuple(users.get(i) for i in (meeting.secretary_id or 0, meeting.chair_id or 0))
    named += tuple(users.get(i.user_id) for i in meeting.invitees)
    organiser = people.agencies.get(meeting.organiser_agency_id, "")
    return _kept_single(meeting, named, organiser, base_url, _summary(meeting, calendar))


async def feed(s: AsyncSession, meetings: Sequence[rows.MeetingRow], name: str, base_url: str) -> bytes:
    """A subscription feed of these meetings (``feeds.meetings_of``): a meeting alone as itself,
    the occurrences of a series as the series (DTSTAMP: when each last changed). Series and
    people are read as rows, each kind in one SELECT."""
    events: list[CalendarEvent | Written] = []
    done: set[int] = set()
    people = await people_of(s, meetings)
    calendar = await statutory_calendar(s)
    chosen = {m.id: m for m in meetings}
    series_ids = {m.series_id for m in meetings if m.series_id is not None}
    all_series = await rows.series(s, series_ids)
    all_occurrences = await rows.occurrences(s, series_ids)
    for meeting in sorted(meetings, key=lambda m: m.start):
        if meeting.series_id is None:
            events.append(_single_written(meeting, people, base_url, calendar))
        elif meeting.series_id not in done:
            done.add(meeting.series_id)
            series = all_series[meeting.series_id]
            occurrences = all_occurrences[series.id]
            if follows_series([m for m in occurrences if m.end >= meeting.start], chosen):
                stamp = max(m.updated_at for m in occurrences)
                d = _details(meeting, base_url, people)
                events.append(_series(series, occurrences, d, stamp, calendar))
            else:  # asked to some meetings of the series only: those meetings alone
                ours = [chosen[m.id] for m in occurrences if m.id in chosen]
                events += [
                    _occurrence(series, m, _details(m, base_url, people), m.updated_at, calendar)
                    for m in ours
                ]
    return feed_calendar(events, name)
