"""The statutory calendar, pure: which days are working days in China, and periods counted by it.

China moves rest days every year: the State Council publishes, each December, the public holidays of
the next year and the weekend days that become working days (调休上班) to make them longer. The
``chinese-calendar`` package carries those tables for the years it knows; an administrator adds or
corrects a year it does not know yet (``Override`` rows, see ``hub/models.py``). For a year nobody
has given, weekends are the only rest days, and ``missing_year`` says so in time (in December).

Periods (期间) follow the Civil Procedure Law (art. 85): the day the period starts is not counted,
and a period whose last day is a rest day (a public holiday or a weekend that is not a working
day) ends on the first working day after it. Some rules count working days instead (the medical
dispute rules: 30 working days, appraisal time not counted); ``add_workdays`` does that, with
paused spans left out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

import chinese_calendar

# The years the package's tables cover, read from the tables themselves.
_BUILTIN_YEARS = frozenset(d.year for d in (*chinese_calendar.holidays, *chinese_calendar.workdays))

# The package names holidays in English; the hub shows them in Chinese (gloss in docs/glossary.md).
HOLIDAY_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利纪念日",
}


@dataclass(frozen=True)
class Override:
    """One day an administrator set: a holiday (``working=False``) or a working weekend day."""

    day: date
    working: bool
    name: str = ""


@dataclass(frozen=True)
class Pause:
    """A span (both days included) not counted in a working-day period, e.g. a medical appraisal."""

    first: date
    last: date

    def __post_init__(self) -> None:
        if self.last < self.first:
            raise ValueError("a pause cannot end before it starts")

    def covers(self, day: date) -> bool:
        return self.first <= day <= self.last


class StatutoryCalendar:
    """Working days by the package's tables, corrected by an administrator's overrides.

    ``given_years`` are the years an administrator declared complete (all their holidays entered):
    together with the package's years they are the years the calendar *knows*.
    """

    def __init__(self, overrides: Iterable[Override] = (), given_years: Iterable[int] = ()) -> None:
        self._overrides: Mapping[date, Override] = {o.day: o for o in overrides}
        self._given_years = frozenset(given_years)

    def knows(self, year: int) -> bool:
        return year in _BUILTIN_YEARS or year in self._given_years

    def missing_year(self, today: date) -> int | None:
        """Next year, when it is December and nobody has given next year's calendar yet."""
        upcoming = today.year + 1
        return upcoming if today.month == 12 and not self.knows(upcoming) else None

    def is_workday(self, day: date) -> bool:
        override = self._overrides.get(day)
        if override is not None:
            return override.working
        if day.year in _BUILTIN_YEARS:
            return bool(chinese_calendar.is_workday(day))
        return day.weekday() < 5

    def holiday_name(self, day: date) -> str | None:
        """The public holiday a rest day belongs to (in Chinese), None on a plain weekend or workday."""
        override = self._overrides.get(day)
        if override is not None:
            return None if override.working else (override.name or None)
        if day.year not in _BUILTIN_YEARS or self.is_workday(day):
            return None
        _, name = chinese_calendar.get_holiday_detail(day)
        return HOLIDAY_NAMES.get(name, name) if name else None

    def first_workday_from(self, day: date) -> date:
        """The day itself if it is a working day, else the first working day after it."""
        while not self.is_workday(day):
            day += timedelta(days=1)
        return day

    def period_end(self, start: date, days: int) -> date:
        """Last day of a period of ``days`` calendar days from ``start`` (not counted), moved to the
        first working day when it falls on a rest day (Civil Procedure Law art. 85)."""
        if days < 0:
            raise ValueError("a period cannot be negative")
        return self.first_workday_from(start + timedelta(days=days))

    def add_workdays(self, start: date, days: int, pauses: Iterable[Pause] = ()) -> date:
        """The ``days``-th working day after ``start`` (not counted), skipping paused spans."""
        if days < 0:
            raise ValueError("a period cannot be negative")
        paused = tuple(pauses)
        day, counted = start, 0
        while counted < days:
            day += timedelta(days=1)
            if self.is_workday(day) and not any(p.covers(day) for p in paused):
                counted += 1
        return day

    def workdays_between(self, first: date, last: date) -> int:
        """Working days from ``first`` to ``last``, both included."""
        count, day = 0, first
        while day <= last:
            count += self.is_workday(day)
            day += timedelta(days=1)
        return count


# With no overrides: what the package alone knows (pure callers and tests).
BUILTIN = StatutoryCalendar()
