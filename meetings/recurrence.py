"""Meeting series: RFC 5545 repeat rules expanded in local time, with moved and cancelled occurrences,
and agency booking conflicts. Pure: no database, clock or I/O.

A series is "monthly on the first Tuesday at 07:30, Asia/Shanghai". The rule is expanded on the wall
clock of its zone and only then converted to UTC, so the meeting stays on Tuesday 07:30 local time
(Monday 23:30 UTC) and, in a zone with daylight saving, keeps its local hour across the change.
Each occurrence is identified by the UTC instant the rule gives it (its *recurrence id*), which does
not change when that one meeting is moved.

Rules are parsed strictly here (``parse_rule``): dateutil alone accepts ``BYMONTHDAY=0``,
``INTERVAL=0`` or a repeated ``FREQ``, which calendar clients would read differently.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from meetings.errors import (
    EndBeforeStart,
    RuleNeverMatches,
    StartNotOnRule,
    TooManyOccurrences,
    UnboundedRule,
    UnknownOccurrence,
)
from meetings.rules import Rule, parse_rule
from meetings.timezones import DEFAULT_ZONE, to_local, to_utc, zone

MAX_OCCURRENCES = 500  # per expansion: a window holding more is refused
MAX_SCAN = 20_000  # occurrences walked from the start of a series before giving up

__all__ = [
    "MAX_OCCURRENCES",
    "BookingConflict",
    "Booking",
    "Cancelled",
    "Interval",
    "Moved",
    "Occurrence",
    "Recurrence",
    "Rule",
    "expand",
    "find_conflicts",
    "first_on_or_after",
    "parse_rule",
]


def _aware(moment: datetime) -> datetime:
    """Aware UTC; a naive time is read as UTC (as the database hands it back)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _text(local: datetime) -> str:
    return local.strftime("%Y-%m-%d %H:%M")


# --- series ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Moved:
    """One occurrence held at another time: ``recurrence_id`` is the start the rule gave it."""

    recurrence_id: datetime
    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        for name in ("recurrence_id", "start", "end"):
            object.__setattr__(self, name, _aware(getattr(self, name)))
        if self.end <= self.start:
            raise EndBeforeStart()


@dataclass(frozen=True)
class Cancelled:
    """One occurrence that will not take place."""

    recurrence_id: datetime

    def __post_init__(self) -> None:
        object.__setattr__(self, "recurrence_id", _aware(self.recurrence_id))


Change = Moved | Cancelled


@dataclass(frozen=True)
class Occurrence:
    recurrence_id: datetime  # UTC: the start the rule gives (stable when the meeting is moved)
    start: datetime  # UTC
    end: datetime  # UTC
    zone: str
    moved: bool = False
    cancelled: bool = False

    @property
    def local_start(self) -> datetime:
        return self.start.astimezone(zone(self.zone))

    @property
    def local_end(self) -> datetime:
        return self.end.astimezone(zone(self.zone))


@dataclass(frozen=True)
class Recurrence:
    """A validated series: the rule, its first start on the local wall clock, the length of each
    meeting, the zone, and the moved or cancelled occurrences (the last change of an occurrence
    wins). Build it with ``Recurrence.of``."""

    rule: Rule
    start: datetime  # naive: wall clock in ``zone``
    duration: timedelta
    zone: str = DEFAULT_ZONE
    changes: tuple[Change, ...] = ()
    _by_id: dict[datetime, Change] = field(default_factory=dict, init=False, repr=False, compare=False)

    @classmethod
    def of(
        cls,
        rrule: str,
        start: datetime,
        end: datetime,
        zone: str = DEFAULT_ZONE,
        changes: Iterable[Change] = (),
    ) -> Recurrence:
        """``start``/``end``: the first meeting, as wall-clock times in ``zone`` or as aware times."""
        first_start, first_end = to_utc(start, zone), to_utc(end, zone)  # checks the zone first
        if first_end <= first_start:
            raise EndBeforeStart()
        rule = parse_rule(rrule, zone)
        return cls(rule, to_local(first_start, zone), first_end - first_start, zone, tuple(changes))

    def __post_init__(self) -> None:
        zone(self.zone)
        if self.duration <= timedelta(0):
            raise EndBeforeStart()
        start = to_local(self.start, self.zone) if self.start.tzinfo else self.start
        object.__setattr__(self, "start", start.replace(microsecond=0))
        object.__setattr__(self, "changes", tuple(self.changes))
        first = first_on_or_after(self.rule, self.start, self.zone)
        if first is None:
            raise RuleNeverMatches()
        if first != self.start:
            raise StartNotOnRule(start=_text(self.start), first=_text(first))
        by_id = self._by_id
        given = self._given_among([_aware(c.recurrence_id) for c in self.changes])
        for change in self.changes:
            if _aware(change.recurrence_id) not in given:
                when = _text(to_local(change.recurrence_id, self.zone))
                raise UnknownOccurrence(when=when)
            by_id[change.recurrence_id] = change

    @property
    def first_end(self) -> datetime:
        return self.first_start + self.duration

    @property
    def first_start(self) -> datetime:
        return to_utc(self.start, self.zone)

    def walk(self) -> Iterator[datetime]:
        """Starts the rule gives, as UTC instants, in order (at most ``MAX_SCAN``)."""
        for n, local in enumerate(self.rule.dateutil(self.start, self.zone)):
            if n >= MAX_SCAN:
                raise TooManyOccurrences(limit=MAX_SCAN)
            yield to_utc(local, self.zone)

    def _given_among(self, whens: Sequence[datetime]) -> set[datetime]:
        """Which of these instants the rule gives, in one walk however many are asked about (a
        series with hundreds of changes used to walk the rule once per change)."""
        if not whens:
            return set()
        wanted, last, found = set(whens), max(whens), set()
        for start in self.walk():
            if start > last:
                break
            if start in wanted:
                found.add(start)
        return found

    def is_occurrence(self, when: datetime) -> bool:
        """Whether the rule gives a meeting starting at ``when`` (ignoring moves and cancellations)."""
        when = _aware(when)
        for start in self.walk():
            if start >= when:
                return start == when
        return False

    def change_of(self, recurrence_id: datetime) -> Change | None:
        return self._by_id.get(_aware(recurrence_id))


def first_on_or_after(rule: Rule, local: datetime, zone_name: str = DEFAULT_ZONE) -> datetime | None:
    """The first wall-clock start the rule gives on or after ``local`` (naive, in the zone) when
    the series starts there; None when it never gives one.

    The Gregorian calendar repeats every 400 years (146097 days, a whole number of weeks), so the
    answer is computed 400·k years later, close to the end of dateutil's range: a rule that can
    never match (``BYMONTH=2;BYMONTHDAY=30``) then stops within 800 years of steps instead of
    walking to the year 9999, and one that matches is found where it would be."""
    years = -((local.year - 9200) // 400) * 400
    probe = rule.dateutil(local.replace(year=local.year + years), zone_name, first_only=True)
    found = next(iter(probe), None)
    if found is None:
        return None
    found = found.replace(year=found.year - years)
    if rule.until is not None and to_utc(found, zone_name) > rule.until:
        return None
    return found


def expand(
    recurrence: Recurrence,
    start: datetime | None = None,
    end: datetime | None = None,
    *,
    include_cancelled: bool = False,
    limit: int = MAX_OCCURRENCES,
) -> list[Occurrence]:
    """Occurrences starting in ``[start, end)`` (UTC or aware; open sides are unbounded), sorted by
    start. A rule that never ends needs ``end``. Moved occurrences are where they were moved to;
    cancelled ones are left out, or flagged with ``include_cancelled``. More than ``limit``
    occurrences of the rule in the window are refused (``TooManyOccurrences``)."""
    if end is None and not recurrence.rule.bounded:
        raise UnboundedRule()
    low = _aware(start) if start is not None else None
    high = _aware(end) if end is not None else None
    if low is not None and high is not None and high <= low:
        return []

    def inside(moment: datetime) -> bool:
        return (low is None or moment >= low) and (high is None or moment < high)

    found: list[Occurrence] = []
    in_window = 0
    for rid in recurrence.walk():
        if high is not None and rid >= high + timedelta(days=1):
            break
        if not inside(rid):
            continue
        in_window += 1
        if in_window > limit:
            raise TooManyOccurrences(limit=limit)
        change = recurrence.change_of(rid)
        if isinstance(change, Cancelled) and include_cancelled:
            found.append(Occurrence(rid, rid, rid + recurrence.duration, recurrence.zone, cancelled=True))
        elif change is None:
            found.append(Occurrence(rid, rid, rid + recurrence.duration, recurrence.zone))
    for change in recurrence.changes:
        if isinstance(change, Moved) and recurrence.change_of(change.recurrence_id) is change:
            if inside(change.start):
                rid = change.recurrence_id
                found.append(Occurrence(rid, change.start, change.end, recurrence.zone, moved=True))
    found.sort(key=lambda o: (o.start, o.recurrence_id))
    return found


# --- conflicts ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Interval:
    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        object.__setattr__(self, "start", _aware(self.start))
        object.__setattr__(self, "end", _aware(self.end))
        if self.end <= self.start:
            raise EndBeforeStart()

    def overlaps(self, other: Interval) -> bool:
        """Whether the two share time; back-to-back meetings (one ends as the other starts) do not."""
        return self.start < other.end and other.start < self.end


@dataclass(frozen=True)
class Booking:
    """An agency's existing meeting."""

    agency_id: int
    interval: Interval
    meeting_id: int | None = None
    title: str = ""


@dataclass(frozen=True)
class BookingConflict:
    agency_id: int
    proposed: Interval
    booking: Booking


def find_conflicts(
    proposed: Iterable[Interval],
    agency_ids: Iterable[int],
    bookings: Iterable[Booking],
    *,
    ignore_meetings: Collection[int] = (),
) -> list[BookingConflict]:
    """Each (invited agency, proposed interval) that overlaps one of that agency's bookings, ordered
    by proposed start, agency and booking start. ``ignore_meetings``: the meetings being moved."""
    agencies = set(agency_ids)
    by_agency: dict[int, list[Booking]] = {}
    for booking in bookings:
        if booking.agency_id in agencies and booking.meeting_id not in ignore_meetings:
            by_agency.setdefault(booking.agency_id, []).append(booking)
    conflicts = [
        BookingConflict(agency_id, interval, booking)
        for interval in proposed
        for agency_id, agency_bookings in by_agency.items()
        for booking in agency_bookings
        if interval.overlaps(booking.interval)
    ]
    conflicts.sort(key=lambda c: (c.proposed.start, c.agency_id, c.booking.interval.start))
    return conflicts
