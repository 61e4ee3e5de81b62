"""Meeting series: create one from a repeat rule and materialise its occurrences as meetings; move
or cancel one occurrence; cancel the series.

Every occurrence is a ``Meeting`` row sharing the series' UID, with ``recurrence_id`` = the start the
rule gives it (UTC), so that calendars can name it (RECURRENCE-ID) after it was moved. A rule that
never ends is materialised up to a horizon, and stored with that horizon as its ``UNTIL``: the
calendars then describe exactly the meetings that exist. Everything is checked before anything is
written, so a refused series leaves nothing behind.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from dateutil.relativedelta import relativedelta
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub import audit
from hub.errors import NotFound, ValidationFailed
from hub.i18n import N_
from hub.workdays.calendar import StatutoryCalendar
from hub.workdays.service import load as statutory_calendar
from meetings import holidays, service
from meetings.errors import EndBeforeStart, UnboundedRule
from meetings.holidays import Holidays
from meetings.models import Meeting, Series
from meetings.recurrence import Cancelled, Change, Moved, Occurrence, Recurrence, expand
from meetings.rules import parse_rule
from meetings.timezones import DEFAULT_ZONE, to_local, to_utc, zone

MAX_HORIZON_MONTHS = 60
MAX_MINUTES = 24 * 60


@dataclass(frozen=True)
class SeriesInput:
    """A series as typed: ``first_start`` is the wall clock in ``time_zone`` (or an aware time).
    ``horizon_months``: how far to materialise a rule that never ends (required for such a rule)."""

    title: str
    organiser_agency_id: int
    rrule: str
    first_start: datetime
    duration_minutes: int
    time_zone: str = DEFAULT_ZONE
    place: str = ""
    secretary_id: int | None = None
    chair_id: int | None = None
    horizon_months: int | None = None
    holidays: str = Holidays.flag  # occurrences on a holiday or rest day: flagged, or skipped

    def __post_init__(self) -> None:
        zone(self.time_zone)  # UnknownTimeZone first: everything else is read in it
        if self.holidays not in Holidays.__members__:
            raise ValidationFailed(N_("Choose whether meetings on holidays are flagged or skipped."))
        if not self.title.strip():
            raise ValidationFailed(N_("Give the meeting a title."))
        if self.duration_minutes <= 0:
            raise EndBeforeStart()
        if self.duration_minutes > MAX_MINUTES:
            raise ValidationFailed(N_("A meeting lasts at most a day."))
        if self.horizon_months is not None and not 1 <= self.horizon_months <= MAX_HORIZON_MONTHS:
            raise ValidationFailed(N_("Plan between 1 and %(n)s months ahead."), n=MAX_HORIZON_MONTHS)


@dataclass(frozen=True)
class Plan:
    """A checked series: the rule to store and the occurrences to create."""

    recurrence: Recurrence
    rule_text: str
    occurrences: list[Occurrence]


def plan(data: SeriesInput) -> Plan:
    """Check a series and list its occurrences (pure). Refuses an unbounded rule without a horizon,
    an end before the start, an unknown zone, a rule that does not give the first start."""
    start = data.first_start
    end = start + timedelta(minutes=data.duration_minutes)
    recurrence = Recurrence.of(data.rrule, start, end, data.time_zone)
    if recurrence.rule.bounded:
        return Plan(recurrence, recurrence.rule.text, expand(recurrence))
    if data.horizon_months is None:
        raise UnboundedRule()
    horizon = to_utc(recurrence.start + relativedelta(months=data.horizon_months), data.time_zone)
    occurrences = expand(recurrence, end=horizon)
    rule = dataclasses.replace(recurrence.rule, until=occurrences[-1].recurrence_id)
    bounded = dataclasses.replace(recurrence, rule=parse_rule(rule.text, data.time_zone))
    return Plan(bounded, bounded.rule.text, occurrences)


async def create_series(
    s: AsyncSession, actor: audit.Actor, data: SeriesInput, calendar: StatutoryCalendar | None = None
) -> tuple[Series, list[Meeting]]:
    """The series and its meetings; by the statutory calendar (read when not given), those on a
    holiday or rest day are flagged (shown so) or, for a ``skip`` series, cancelled at once."""
    checked = plan(data)
    calendar = calendar or await statutory_calendar(s)
    skip = (
        holidays.skipped([o.start for o in checked.occurrences], data.time_zone, calendar)
        if data.holidays == Holidays.skip
        else {}
    )
    series = Series(
        uid=service.new_uid(),
        title=data.title.strip()[:200],
        organiser_agency_id=data.organiser_agency_id,
        rrule=checked.rule_text,
        time_zone=data.time_zone,
        first_start=checked.recurrence.first_start,
        duration_minutes=data.duration_minutes,
        place=data.place[:200],
        secretary_id=data.secretary_id,
        chair_id=data.chair_id,
        holidays=data.holidays,
    )
    s.add(series)
    await s.flush()
    meetings = [
        Meeting(
            uid=series.uid,
            series_id=series.id,
            recurrence_id=o.recurrence_id,
            title=series.title,
            organiser_agency_id=series.organiser_agency_id,
            secretary_id=series.secretary_id,
            chair_id=series.chair_id,
            start=o.start,
            end=o.end,
            time_zone=series.time_zone,
            place=series.place,
            status="cancelled" if o.start in skip else "scheduled",
            skipped_for=skip[o.start].printed if o.start in skip else "",
            invitees=[],
            agenda=[],
        )
        for o in checked.occurrences
    ]
    if not held(meetings):
        raise ValidationFailed(N_("Every meeting of this series falls on a holiday or rest day."))
    s.add_all(meetings)
    await s.flush()
    await audit.record(
        s,
        actor,
        "meeting.series_created",
        "meeting_series",
        series.id,
        {
            "title": series.title,
            "rrule": series.rrule,
            "zone": series.time_zone,
            "meetings": len(meetings),
            "holidays": series.holidays,
            "skipped": {
                to_local(start, series.time_zone).date().isoformat(): d.printed for start, d in skip.items()
            },
        },
    )
    return series, meetings


def held(meetings: Sequence[Meeting]) -> list[Meeting]:
    """The meetings of a new series that take place (not skipped for a holiday)."""
    return [m for m in meetings if m.status == "scheduled"]


async def occurrences(s: AsyncSession, series_id: int) -> Sequence[Meeting]:
    query = select(Meeting).where(Meeting.series_id == series_id).order_by(Meeting.recurrence_id)
    return (await s.scalars(query)).all()


class SeriesRule(Protocol):
    """What ``recurrence_of`` reads of a series: a ``Series``, or a row of the same columns."""

    @property
    def rrule(self) -> str: ...
    @property
    def time_zone(self) -> str: ...
    @property
    def first_start(self) -> datetime: ...
    @property
    def duration_minutes(self) -> int: ...


class OccurrenceState(Protocol):
    """What ``changes_of`` reads of an occurrence: a ``Meeting``, or a row of the same columns."""

    @property
    def recurrence_id(self) -> datetime | None: ...
    @property
    def status(self) -> str: ...
    @property
    def moved(self) -> bool: ...
    @property
    def start(self) -> datetime: ...
    @property
    def end(self) -> datetime: ...


def changes_of(meetings: Sequence[OccurrenceState]) -> list[Change]:
    """The occurrences that left the rule: cancelled ones, and moved ones."""
    found: list[Change] = []
    for m in meetings:
        if m.recurrence_id is None:
            continue
        if m.status == "cancelled":
            found.append(Cancelled(m.recurrence_id))
        elif m.moved:
            found.append(Moved(m.recurrence_id, m.start, m.end))
    return found


def recurrence_of(series: SeriesRule, meetings: Sequence[OccurrenceState]) -> Recurrence:
    """The series as the pure ``Recurrence``, with its moved and cancelled occurrences."""
    return Recurrence(
        parse_rule(series.rrule, series.time_zone),
        to_local(series.first_start, series.time_zone),
        timedelta(minutes=series.duration_minutes),
        series.time_zone,
        tuple(changes_of(meetings)),
    )


async def get_series(s: AsyncSession, series_id: int, *, lock: bool = False) -> Series:
    """A series; ``lock`` before changing it (its SEQUENCE must rise once per change)."""
    series = await s.get(Series, series_id, with_for_update=lock or None, populate_existing=lock)
    if series is None:
        raise NotFound()
    return series


async def cancel_series(
    s: AsyncSession, actor: audit.Actor, series: Series, reason: str = ""
) -> list[Meeting]:
    """Cancel the series and each of its occurrences that has not taken place yet."""
    if series.cancelled:
        from meetings.errors import MeetingClosed

        raise MeetingClosed()
    cancelled = []
    for meeting in await occurrences(s, series.id):
        if meeting.status == "scheduled":
            meeting.status = "cancelled"
            meeting.sequence += 1
            cancelled.append(meeting)
    series.cancelled = True
    series.sequence += 1
    await s.flush()
    await audit.record(
        s,
        actor,
        "meeting.series_cancelled",
        "meeting_series",
        series.id,
        {"reason": reason[:200], "meetings": [m.id for m in cancelled]},
    )
    return cancelled
