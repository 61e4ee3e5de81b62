"""The week view of the meeting calendar: Monday to Sunday, an hour grid, each meeting placed by its
local start and end in the viewer's zone. Pure: the caller passes the meetings (any objects with
aware ``start`` and ``end``), the zone and today.

The page cannot position boxes with inline styles (the CSP forbids them), so placement is given in
small whole numbers the stylesheet has classes for: the hour rows a meeting spans, the quarters cut
off the first and last row, and its lane among the meetings it overlaps.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Generic, Protocol, TypeVar

from meetings.timezones import to_local, to_utc

# The working day shown when no meeting lies outside it; the grid grows to fit the meetings.
DAY_START_HOUR = 8
DAY_END_HOUR = 18
QUARTERS = 4  # placement is to the quarter hour
MAX_LANES = 4  # side by side at most; a fifth overlapping meeting shares the last lane


class HasSpan(Protocol):
    @property
    def start(self) -> datetime: ...

    @property
    def end(self) -> datetime: ...


T = TypeVar("T", bound=HasSpan)


@dataclass(frozen=True)
class Placed(Generic[T]):
    """One meeting on one day (a meeting past midnight is placed on each day it touches)."""

    item: T
    start: datetime  # local wall clock of this day's part
    end: datetime
    continues_before: bool = False
    continues_after: bool = False
    lane: int = 1
    lanes: int = 1

    @property
    def start_minute(self) -> int:
        return self.start.hour * 60 + self.start.minute

    @property
    def end_minute(self) -> int:
        """Minutes after this day's midnight; 1440 when the part runs to midnight."""
        if self.end.date() > self.start.date():
            return 24 * 60
        return self.end.hour * 60 + self.end.minute + (1 if self.end.second or self.end.microsecond else 0)


@dataclass(frozen=True)
class Slot:
    """Where the stylesheet draws a part: hour rows ``row`` up to (not including) ``row_end``,
    ``top`` quarters cut off the first row and ``cut`` off the last."""

    row: int
    row_end: int
    top: int
    cut: int


@dataclass(frozen=True)
class WeekDay(Generic[T]):
    day: date
    today: bool
    items: list[Placed[T]] = field(default_factory=list)


@dataclass(frozen=True)
class Week(Generic[T]):
    monday: date
    days: list[WeekDay[T]]
    first_hour: int
    last_hour: int  # exclusive: the grid ends at this hour (24 = midnight)

    @property
    def hours(self) -> range:
        return range(self.first_hour, self.last_hour)

    @property
    def sunday(self) -> date:
        return self.monday + timedelta(days=6)

    @property
    def iso(self) -> tuple[int, int]:
        """(ISO year, ISO week number): the year of the week's Thursday, not of its Monday."""
        year, week, _ = self.monday.isocalendar()
        return year, week

    def slot(self, part: Placed[T]) -> Slot:
        start = part.start_minute // 15  # quarters after midnight, rounded down
        end = max(math.ceil(part.end_minute / 15), start + 1)  # rounded up, at least one quarter
        first = self.first_hour * QUARTERS
        row = (start - first) // QUARTERS + 1
        row_end = math.ceil((end - first) / QUARTERS) + 1
        return Slot(row, row_end, (start - first) % QUARTERS, (row_end - 1) * QUARTERS - (end - first))


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def parse_week(text: str | None, today: date) -> date:
    """The Monday of ``2026-11-30`` (any day of the week) or of ISO week ``2026-W49``; anything
    else (or a year out of range) gives this week's Monday."""
    if text:
        try:
            if len(text) == 8 and text[4:6].upper() == "-W":
                day = date.fromisocalendar(int(text[:4]), int(text[6:]), 1)
            else:
                day = date.fromisoformat(text)
        except ValueError:
            return monday_of(today)
        if 1900 <= day.year <= 9000:
            return monday_of(day)
    return monday_of(today)


def shift(monday: date, weeks: int) -> date:
    return monday + timedelta(weeks=weeks)


def month_of(monday: date) -> date:
    """The month a week belongs to for the switch to the month view: its Thursday's (the ISO rule,
    so a week across two months goes to the one holding four of its days)."""
    return (monday + timedelta(days=3)).replace(day=1)


def first_week_of(first: date, today: date) -> date:
    """The week the switch from a month view opens: this week in this month, else the week of
    the month's first day."""
    if (today.year, today.month) == (first.year, first.month):
        return monday_of(today)
    return monday_of(first)


def window(monday: date, zone: str) -> tuple[datetime, datetime]:
    """The UTC instants of the local midnights starting and ending the week (168 hours, or one
    more or less across a daylight-saving change)."""
    start = datetime.combine(monday, time.min)
    return to_utc(start, zone), to_utc(start + timedelta(days=7), zone)


def _parts(item: T, zone: str) -> list[Placed[T]]:
    """The item cut at local midnights, one part per day it touches."""
    start, end = to_local(item.start, zone), to_local(item.end, zone)
    if end <= start:  # zero length, or an hour repeated at a clock change: one quarter at the start
        end = start + timedelta(minutes=15)
    parts: list[Placed[T]] = []
    current = start
    while current < end:
        midnight = datetime.combine(current.date() + timedelta(days=1), time.min)
        stop = min(end, midnight)
        parts.append(Placed(item, current, stop, current > start, stop < end))
        current = stop
    return parts


def _lanes(parts: list[Placed[T]]) -> list[Placed[T]]:
    """Side-by-side lanes within each cluster of overlapping meetings of one day (greedy, first
    free lane, by start time), every part of a cluster told how many lanes the cluster has."""
    ordered = sorted(parts, key=lambda p: (p.start, -p.end_minute))
    out: list[Placed[T]] = []
    cluster: list[tuple[Placed[T], int]] = []
    lane_ends: list[int] = []
    cluster_end = -1

    def close() -> None:
        width = min(len(lane_ends), MAX_LANES)
        for part, lane in cluster:
            out.append(
                Placed(
                    part.item,
                    part.start,
                    part.end,
                    part.continues_before,
                    part.continues_after,
                    min(lane, width),
                    width,
                )
            )

    for part in ordered:
        begin, finish = part.start_minute, max(part.end_minute, part.start_minute + 15)
        if cluster and begin >= cluster_end:
            close()
            cluster, lane_ends, cluster_end = [], [], -1
        free = next((n for n, e in enumerate(lane_ends) if e <= begin), None)
        if free is None:
            lane_ends.append(finish)
            free = len(lane_ends) - 1
        else:
            lane_ends[free] = finish
        cluster.append((part, free + 1))
        cluster_end = max(cluster_end, finish)
    if cluster:
        close()
    return out


def place(monday: date, items: Iterable[T], zone: str, today: date | None = None) -> Week[T]:
    """The week starting ``monday`` (a Monday) with the items that touch it, in ``zone``."""
    if monday.weekday() != 0:
        raise ValueError(f"{monday} is not a Monday")
    days = [monday + timedelta(days=n) for n in range(7)]
    by_day: dict[date, list[Placed[T]]] = {d: [] for d in days}
    for item in items:
        for part in _parts(item, zone):
            if part.start.date() in by_day:
                by_day[part.start.date()].append(part)
    first, last = DAY_START_HOUR, DAY_END_HOUR
    for parts in by_day.values():
        for part in parts:
            first = min(first, part.start_minute // 60)
            last = max(last, math.ceil(part.end_minute / 60), part.start_minute // 60 + 1)
    return Week(
        monday,
        [WeekDay(d, d == today, _lanes(by_day[d])) for d in days],
        first,
        min(last, 24),
    )
