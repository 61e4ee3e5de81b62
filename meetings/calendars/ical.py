"""iCalendar files of meetings (RFC 5545, with RFC 5546 methods and RFC 7986 feed names). Pure.

Written line by line by ``writer`` (escaping, quoting, folding at 75 octets, CRLF), each event's
VEVENTs once and then kept (``written``); not with ``ics``, which writes every time in UTC without
TZID or VTIMEZONE, does not fold long lines and does not quote parameters, and no longer with
``icalendar``, which is right but took a second for 1,000 meetings (docs/decisions.md). The
tests read every file back with ``icalendar``, ``ics`` and ``recurring_ical_events``.
Times are written in the meeting's zone (``DTSTART;TZID=Asia/Shanghai:20260106T073000``) with a
VTIMEZONE for each zone used, so a series keeps its local hour in every client.

``event_calendar`` writes one meeting or series for an invitation (``METHOD:REQUEST``), an update
(same UID, higher SEQUENCE) or a cancellation (``METHOD:CANCEL``, ``STATUS:CANCELLED``).
``feed_calendar`` writes a subscription feed (no METHOD). The caller raises SEQUENCE and passes
the stamps: nothing here reads the clock.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from functools import lru_cache
from typing import Any

from meetings.calendars import writer
from meetings.errors import EndBeforeStart
from meetings.recurrence import Cancelled, Moved, Recurrence
from meetings.rules import parse_rule
from meetings.timezones import DEFAULT_ZONE, in_zone, zone

PRODID = "-//gongtiao//joint liaison meetings//ZH"
FEED_REFRESH = timedelta(hours=1)
# How far after the last date of a calendar its VTIMEZONEs list daylight-saving changes (a
# series that never ends goes on past it; zones without daylight saving need no changes at all).
ZONE_HORIZON = timedelta(days=3653)
# How many events' written VEVENTs a process keeps (about 1-2 KB each).
EVENT_CACHE = 8192

_EMAIL = re.compile(r"[^@\s;:,\"<>()\[\]\\]+@[^@\s;:,\"<>()\[\]\\]+\.[^@\s;:,\"<>()\[\]\\]+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


class Method(StrEnum):
    REQUEST = "REQUEST"
    CANCEL = "CANCEL"


class PartStat(StrEnum):
    NEEDS_ACTION = "NEEDS-ACTION"
    ACCEPTED = "ACCEPTED"
    DECLINED = "DECLINED"
    TENTATIVE = "TENTATIVE"


class Role(StrEnum):
    CHAIR = "CHAIR"
    REQUIRED = "REQ-PARTICIPANT"
    OPTIONAL = "OPT-PARTICIPANT"
    NONE = "NON-PARTICIPANT"


class Status(StrEnum):
    CONFIRMED = "CONFIRMED"
    TENTATIVE = "TENTATIVE"
    CANCELLED = "CANCELLED"


# The invitees' RSVP values (meetings.models.Invitee.rsvp) as calendar participation statuses.
PARTSTAT_OF_RSVP = {
    "needs_action": PartStat.NEEDS_ACTION,
    "accepted": PartStat.ACCEPTED,
    "declined": PartStat.DECLINED,
    "tentative": PartStat.TENTATIVE,
}


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def display_name(text: str) -> str:
    """A name as a parameter value (CN): one line, and the two characters that readers get wrong
    replaced by their full-width forms: a double quote cannot be quoted (icalendar writes RFC
    6868's ``^'``, which ics-py and most clients do not decode), and a backslash left unquoted
    makes icalendar's own reader take the next ``;`` as escaped."""
    return " ".join(_CONTROL.sub(" ", text).split()).replace('"', "＂").replace("\\", "＼")


@lru_cache(maxsize=4096)
def valid_email(address: str) -> bool:
    return bool(_EMAIL.fullmatch(address))


@dataclass(frozen=True)
class Organizer:
    name: str
    email: str


@dataclass(frozen=True)
class Attendee:
    """An invitee. Without a valid e-mail address there is nothing to write (an ATTENDEE is an
    address), so the person is left out of the file."""

    name: str
    email: str
    partstat: PartStat = PartStat.NEEDS_ACTION
    role: Role = Role.REQUIRED
    rsvp: bool = True


@dataclass(frozen=True)
class Override:
    """A moved occurrence of a series (``recurrence_id`` is the start the rule gives it), or one
    that keeps its time but not the series' title (flagged for a holiday)."""

    recurrence_id: datetime
    start: datetime
    end: datetime
    sequence: int | None = None  # default: the series'
    location: str | None = None  # default: the series'
    summary: str | None = None  # default: the series' (one on a holiday says so)


@dataclass(frozen=True)
class CalendarEvent:
    """One meeting, one series (``rrule``), or one occurrence of a series (``recurrence_id``).

    Times are aware (a naive time is read as UTC) and written in ``zone``. ``stamp`` is DTSTAMP:
    when this message was made (invitations), or when the event last changed (feeds)."""

    uid: str
    sequence: int
    summary: str
    start: datetime
    end: datetime
    stamp: datetime
    zone: str = DEFAULT_ZONE
    description: str = ""
    location: str = ""
    url: str = ""
    organizer: Organizer | None = None
    attendees: tuple[Attendee, ...] = ()
    status: Status = Status.CONFIRMED
    rrule: str | None = None
    exdates: tuple[datetime, ...] = ()
    overrides: tuple[Override, ...] = ()
    recurrence_id: datetime | None = None
    last_modified: datetime | None = None
    created: datetime | None = None

    def __post_init__(self) -> None:
        zone(self.zone)
        if not self.uid or _CONTROL.search(self.uid) or len(self.uid) > 255:
            raise ValueError(f"unusable UID {self.uid!r}")
        if self.sequence < 0:
            raise ValueError("SEQUENCE cannot be negative")
        if _utc(self.end) <= _utc(self.start):
            raise EndBeforeStart()
        if self.rrule is not None:
            object.__setattr__(self, "rrule", parse_rule(self.rrule, self.zone).text)
            if self.recurrence_id is not None:
                raise ValueError("a series (RRULE) is not one of its own occurrences (RECURRENCE-ID)")
        elif self.exdates or self.overrides:
            raise ValueError("EXDATE and moved occurrences belong to a series (RRULE)")
        for moved in self.overrides:
            if _utc(moved.end) <= _utc(moved.start):
                raise EndBeforeStart()

    def local(self, moment: datetime) -> datetime:
        return in_zone(moment, self.zone)

    def moments(self) -> list[datetime]:
        """Every time written, for the range of the VTIMEZONEs."""
        found = [self.start, self.end, *self.exdates]
        found += [t for o in self.overrides for t in (o.recurrence_id, o.start, o.end)]
        if self.recurrence_id is not None:
            found.append(self.recurrence_id)
        if self.rrule is not None:
            until = parse_rule(self.rrule, self.zone).until
            found.append(until if until is not None else _utc(self.start) + ZONE_HORIZON)
        return [_utc(t) for t in found]


def series_event(
    recurrence: Recurrence, *, uid: str, sequence: int, summary: str, stamp: datetime, **details: Any
) -> CalendarEvent:
    """The event of a series: its rule from its first meeting, cancelled occurrences as EXDATEs and
    moved ones as overrides (RECURRENCE-ID). ``details``: the other fields of ``CalendarEvent``."""
    current = [c for c in recurrence.changes if recurrence.change_of(c.recurrence_id) is c]
    return CalendarEvent(
        uid=uid,
        sequence=sequence,
        summary=summary,
        start=recurrence.first_start,
        end=recurrence.first_end,
        stamp=stamp,
        zone=recurrence.zone,
        rrule=recurrence.rule.text,
        exdates=tuple(c.recurrence_id for c in current if isinstance(c, Cancelled)),
        overrides=tuple(Override(c.recurrence_id, c.start, c.end) for c in current if isinstance(c, Moved)),
        **details,
    )


def _address(email: str, name: str, params: dict[str, str] | None = None) -> tuple[str, dict[str, str]]:
    """An ORGANIZER or ATTENDEE: its value (``mailto:``) and parameters, CN first."""
    written = {"CN": display_name(name)} if name.strip() else {}
    return f"mailto:{email}", written | (params or {})


def _vevent(event: CalendarEvent) -> bytes:
    local = writer.local_stamp
    tzid = {"TZID": event.zone}
    out = [writer.text("UID", event.uid), writer.line("DTSTAMP", writer.utc_stamp(event.stamp))]
    if event.created is not None:
        out.append(writer.line("CREATED", writer.utc_stamp(event.created)))
    if event.last_modified is not None:
        out.append(writer.line("LAST-MODIFIED", writer.utc_stamp(event.last_modified)))
    out.append(writer.line("SEQUENCE", str(event.sequence)))
    if event.recurrence_id is not None:
        out.append(writer.line("RECURRENCE-ID", local(event.local(event.recurrence_id)), tzid))
    out.append(writer.line("DTSTART", local(event.local(event.start)), tzid))
    out.append(writer.line("DTEND", local(event.local(event.end)), tzid))
    if event.rrule is not None:
        out.append(writer.line("RRULE", event.rrule))
    if event.exdates:
        days = ",".join(local(t) for t in sorted(event.local(t) for t in event.exdates))
        out.append(writer.line("EXDATE", days, tzid))
    out.append(writer.text("SUMMARY", event.summary))
    if event.description:
        out.append(writer.text("DESCRIPTION", event.description))
    if event.location:
        out.append(writer.text("LOCATION", event.location))
    if event.url:
        out.append(writer.line("URL", event.url))
    out.append(writer.line("STATUS", event.status.value))
    out.append(writer.line("TRANSP", "TRANSPARENT" if event.status is Status.CANCELLED else "OPAQUE"))
    if event.organizer is not None and valid_email(event.organizer.email):
        out.append(writer.line("ORGANIZER", *_address(event.organizer.email, event.organizer.name)))
    for person in event.attendees:
        if valid_email(person.email):
            params = {"PARTSTAT": person.partstat.value, "ROLE": person.role.value}
            params["RSVP"] = "TRUE" if person.rsvp else "FALSE"
            out.append(writer.line("ATTENDEE", *_address(person.email, person.name, params)))
    return writer.component("VEVENT", out)


def _moved(event: CalendarEvent, moved: Override) -> CalendarEvent:
    return replace(
        event,
        start=moved.start,
        end=moved.end,
        sequence=event.sequence if moved.sequence is None else moved.sequence,
        location=event.location if moved.location is None else moved.location,
        summary=event.summary if moved.summary is None else moved.summary,
        rrule=None,
        exdates=(),
        overrides=(),
        recurrence_id=moved.recurrence_id,
    )


@dataclass(frozen=True)
class Written:
    """The VEVENTs of an event as octets, with its zone and the range of its times (for the
    VTIMEZONE)."""

    body: bytes
    zone: str
    first: datetime
    last: datetime


@lru_cache(maxsize=EVENT_CACHE)
def written(event: CalendarEvent, *, cancel: bool = False) -> Written:
    """The VEVENTs of an event: the series (or the single meeting), then its moved occurrences.
    A cancellation is the series alone, cancelled: that cancels its occurrences too.

    Kept per event: a feed asked again writes only the meetings that changed. The key is the whole
    event (UID, SEQUENCE, DTSTAMP, which is when the meeting last changed, and every field), so a
    renamed attendee or a holiday added to the calendar is a new key, never a stale file."""
    if cancel:
        body = _vevent(replace(event, status=Status.CANCELLED))
    else:
        moved = sorted(event.overrides, key=lambda o: _utc(o.recurrence_id))
        body = b"".join([_vevent(event)] + [_vevent(_moved(event, o)) for o in moved])
    moments = event.moments()
    return Written(body, event.zone, min(moments), max(moments))


def _vtimezones(parts: list[Written]) -> list[bytes]:
    """A VTIMEZONE for every zone used, from a year before its first time to well after its last
    (``ZONE_HORIZON``), in whole years."""
    ranges: dict[str, tuple[datetime, datetime]] = {}
    for part in parts:
        first, last = ranges.get(part.zone, (part.first, part.last))
        ranges[part.zone] = (min(first, part.first), max(last, part.last))
    blocks = []
    for name, (first, last) in sorted(ranges.items()):
        start = max(first.date() - timedelta(days=366), date(1971, 1, 1))
        blocks.append(writer.vtimezone(name, *writer.year_range(start, last.date() + ZONE_HORIZON)))
    return blocks


def _calendar(headers: list[bytes], parts: list[Written]) -> bytes:
    lines = [
        writer.line("VERSION", "2.0"),
        writer.text("PRODID", PRODID),
        writer.line("CALSCALE", "GREGORIAN"),
        *headers,
        *_vtimezones(parts),
        *(part.body for part in parts),
    ]
    return writer.component("VCALENDAR", lines)


def event_calendar(event: CalendarEvent, method: Method) -> bytes:
    """An invitation or update (REQUEST) or a cancellation (CANCEL) of one meeting or series.

    RFC 5546 needs an organizer with an address. To cancel one occurrence of a series, pass an
    event with its ``recurrence_id``; to cancel the whole series, pass the series."""
    if event.organizer is None or not valid_email(event.organizer.email):
        raise ValueError("an invitation or cancellation needs an organizer with an e-mail address")
    part = written(event, cancel=method is Method.CANCEL)
    return _calendar([writer.line("METHOD", method.value)], [part])


def feed_calendar(
    events: Iterable[CalendarEvent | Written],
    name: str,
    *,
    description: str = "",
    refresh: timedelta = FEED_REFRESH,
) -> bytes:
    """A subscription feed: every event as it stands (cancelled ones carry STATUS:CANCELLED; leave
    them out to make them disappear), named for Apple, Google, Outlook and Thunderbird alike
    (NAME and X-WR-CALNAME), with the refresh interval they honour (REFRESH-INTERVAL and
    X-PUBLISHED-TTL). An event may come already written (``written``)."""
    title = display_name(name)
    headers = [writer.text("NAME", title), writer.text("X-WR-CALNAME", title)]
    if description:
        headers.append(writer.text("X-WR-CALDESC", description))
    every = writer.duration(refresh)
    headers += [
        writer.line("REFRESH-INTERVAL", every, {"VALUE": "DURATION"}),
        writer.line("X-PUBLISHED-TTL", every),
    ]
    return _calendar(headers, [e if isinstance(e, Written) else written(e) for e in events])
