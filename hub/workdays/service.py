"""Reading and writing the administrator's days, and the calendar every clock of the hub uses.

The calendar is built from a few dozen rows and read on every deadline, so each process keeps it
for ``CalendarCache.ttl_seconds`` (a minute) and drops it at once when it writes: another process
sees a correction within the minute, which no statutory period notices.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import ColumnElement, and_, delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from hub import audit
from hub.db import Database
from hub.errors import ValidationFailed
from hub.i18n import N_
from hub.workdays.calendar import Override, StatutoryCalendar
from hub.workdays.models import StatutoryDay, StatutoryYear

FIRST_YEAR, LAST_YEAR = 2004, 2100


class CalendarCache:
    def __init__(self, ttl_seconds: float = 60.0) -> None:
        self.ttl_seconds = ttl_seconds
        self._calendar: StatutoryCalendar | None = None
        self._loaded = 0.0

    async def get(self, db: Database) -> StatutoryCalendar:
        if self._calendar is None or time.monotonic() - self._loaded > self.ttl_seconds:
            async with db.read() as s:
                self._calendar = await load(s)
            self._loaded = time.monotonic()
        return self._calendar

    def invalidate(self) -> None:
        self._calendar = None


async def load(s: AsyncSession) -> StatutoryCalendar:
    days = (await s.scalars(select(StatutoryDay))).all()
    years = (await s.scalars(select(StatutoryYear.year))).all()
    return StatutoryCalendar([Override(d.day, d.working, d.name) for d in days], years)


@dataclass(frozen=True)
class DayOut:
    day: date
    working: bool
    name: str
    origin: str  # "package" (chinese-calendar) or "administrator"


@dataclass(frozen=True)
class YearView:
    year: int
    known: bool
    source: str
    days: list[DayOut]


def check_year(year: int) -> int:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValidationFailed(
            N_("Choose a year from %(first)s to %(last)s."), first=FIRST_YEAR, last=LAST_YEAR
        )
    return year


async def year_view(s: AsyncSession, year: int) -> YearView:
    """The days of ``year`` that are not ordinary: holidays and weekend days made working days."""
    check_year(year)
    calendar = await load(s)
    entered = {
        d.day: d
        for d in (
            await s.scalars(
                select(StatutoryDay).where(
                    StatutoryDay.day >= date(year, 1, 1), StatutoryDay.day <= date(year, 12, 31)
                )
            )
        ).all()
    }
    marked = await s.get(StatutoryYear, year)
    days: list[DayOut] = []
    day = date(year, 1, 1)
    while day.year == year:
        working = calendar.is_workday(day)
        if working != (day.weekday() < 5) or calendar.holiday_name(day):
            origin = "administrator" if day in entered else "package"
            days.append(DayOut(day, working, calendar.holiday_name(day) or "", origin))
        day += timedelta(days=1)
    return YearView(year, calendar.knows(year), marked.source if marked else "", days)


_LINE = re.compile(r"^(\d{4}-\d{2}-\d{2})\s+(休|班|rest|work)\s*(.*)$", re.IGNORECASE)


def parse_lines(text: str, year: int) -> list[Override]:
    """``2027-01-01 休 元旦`` (a holiday) or ``2027-02-07 班`` (a working weekend day), one per line;
    English ``rest``/``work`` too. Every line must parse and lie in ``year``: nothing half-saved."""
    found: dict[date, Override] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        match = _LINE.match(line)
        try:
            day = date.fromisoformat(match.group(1)) if match else None
        except ValueError:
            day = None
        if match is None or day is None:
            raise ValidationFailed(
                N_("Line %(line)s: write a date, then 休 or 班, then the holiday, e.g. 2027-01-01 休 元旦."),
                line=number,
            )
        if day.year != year:
            raise ValidationFailed(N_("Line %(line)s: the date is not in %(year)s."), line=number, year=year)
        working = match.group(2).lower() in ("班", "work")
        found[day] = Override(day, working, match.group(3).strip()[:40])
    return sorted(found.values(), key=lambda o: o.day)


async def set_year(
    s: AsyncSession, actor: audit.Actor, year: int, days: Sequence[Override], source: str, now: datetime
) -> None:
    """Replace what the administrator entered for ``year`` and declare the year complete."""
    check_year(year)
    if any(d.day.year != year for d in days):
        raise ValidationFailed(N_("Every day must lie in %(year)s."), year=year)
    await s.execute(
        delete(StatutoryDay).where(
            StatutoryDay.day >= date(year, 1, 1), StatutoryDay.day <= date(year, 12, 31)
        )
    )
    for d in days:
        s.add(
            StatutoryDay(
                day=d.day, working=d.working, name=d.name, updated_at=now, updated_by_id=actor.user_id
            )
        )
    marked = await s.get(StatutoryYear, year)
    if marked is None:
        s.add(StatutoryYear(year=year, source=source[:200], updated_at=now, updated_by_id=actor.user_id))
    else:
        marked.source, marked.updated_at, marked.updated_by_id = source[:200], now, actor.user_id
    await s.flush()
    await audit.record(
        s,
        actor,
        "calendar.year_set",
        "statutory_year",
        year,
        {"holidays": sum(not d.working for d in days), "working_days": sum(d.working for d in days)},
    )


def _in_year(year: int) -> ColumnElement[bool]:
    return and_(StatutoryDay.day >= date(year, 1, 1), StatutoryDay.day <= date(year, 12, 31))
