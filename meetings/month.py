"""The month view of the meeting calendar: weeks from Monday to Sunday, each day with its meetings.
Pure: the caller passes the meetings (any objects with an aware ``start``) and the zone."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Generic, Protocol, TypeVar

from meetings.timezones import to_local, to_utc


class HasStart(Protocol):
    @property
    def start(self) -> datetime: ...


T = TypeVar("T", bound=HasStart)


@dataclass(frozen=True)
class Day(Generic[T]):
    day: date
    in_month: bool
    items: list[T] = field(default_factory=list)


def parse_month(text: str | None, today: date) -> date:
    """``2026-12`` -> 1 December 2026; anything else -> the first of this month."""
    if text and len(text) == 7 and text[4] == "-" and text[:4].isdigit() and text[5:].isdigit():
        year, month = int(text[:4]), int(text[5:])
        if 1900 <= year <= 9000 and 1 <= month <= 12:
            return date(year, month, 1)
    return today.replace(day=1)


def shift(first: date, months: int) -> date:
    index = first.year * 12 + first.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def grid_range(first: date) -> tuple[date, date]:
    """The first Monday on or before the 1st, and the day after the last Sunday on or after the
    month's last day."""
    start = first - timedelta(days=first.weekday())
    last = shift(first, 1) - timedelta(days=1)
    end = last + timedelta(days=7 - last.weekday())
    return start, end


def window(first: date, zone: str) -> tuple[datetime, datetime]:
    """The UTC instants the grid covers (its local midnights)."""
    start, end = grid_range(first)
    return to_utc(datetime.combine(start, datetime.min.time()), zone), to_utc(
        datetime.combine(end, datetime.min.time()), zone
    )


def weeks(first: date, items: Iterable[T], zone: str) -> list[list[Day[T]]]:
    start, end = grid_range(first)
    days: list[Day[T]] = []
    current = start
    while current < end:
        days.append(Day(current, current.month == first.month, []))
        current += timedelta(days=1)
    index = {d.day: d for d in days}
    for item in sorted(items, key=lambda i: i.start):
        day = to_local(item.start, zone).date()
        if day in index:
            index[day].items.append(item)
    return [days[n : n + 7] for n in range(0, len(days), 7)]
