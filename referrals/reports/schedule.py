"""The reporting calendar, pure: which days a report is due and at what hour (no I/O, no clock).

- Daily reports (zero or periodic) are due on working days by the statutory calendar
  (``hub.workdays``: holidays off, weekends made working days on), at ``daily_hour`` local time.
- A sensitive period (敏感时期), switched on by the bureau for chosen dates, makes the daily report
  due every day of it, weekends and holidays included, at its own, earlier hour.
- Weekly and monthly reports, where the bureau configured them: the week's report on a chosen
  weekday of the week after, the month's on a chosen day of the month after; a due day that is a
  rest day moves to the next working day (as a statutory period does).
- A special report (专报) on a major dispute is due ``special_hours`` after the event (default 2).

All times are local wall-clock times in the hub's zone; the functions return aware UTC instants.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hub.workdays.calendar import BUILTIN, StatutoryCalendar

SPECIAL_HOURS = 2
# How many days (today included) the sweep looks at for a missed daily report: the sweep runs every
# minute, so today is enough; a day missed while the hub was down is not raised afterwards.
LOOKBACK_DAYS = 1


def _hour(value: int) -> int:
    if not 0 <= value <= 23:
        raise ValueError(f"not an hour of the day: {value}")
    return value


@dataclass(frozen=True)
class SensitivePeriod:
    first: date
    last: date
    hour: int = 12
    name: str = ""

    def __post_init__(self) -> None:
        if self.last < self.first:
            raise ValueError("a sensitive period cannot end before it starts")
        _hour(self.hour)

    def covers(self, day: date) -> bool:
        return self.first <= day <= self.last


@dataclass(frozen=True)
class Schedule:
    daily_hour: int = 18
    weekly_weekday: int | None = None  # 0 Monday ... 6 Sunday; None: no weekly report
    weekly_hour: int = 17
    monthly_day: int | None = None  # 1..28 of the next month; None: no monthly report
    monthly_hour: int = 17
    special_hours: int = SPECIAL_HOURS
    sensitive: Sequence[SensitivePeriod] = ()
    calendar: StatutoryCalendar = field(default=BUILTIN, compare=False, repr=False)

    def __post_init__(self) -> None:
        for hour in (self.daily_hour, self.weekly_hour, self.monthly_hour):
            _hour(hour)
        if self.weekly_weekday is not None and not 0 <= self.weekly_weekday <= 6:
            raise ValueError(f"not a weekday: {self.weekly_weekday}")
        if self.monthly_day is not None and not 1 <= self.monthly_day <= 28:
            raise ValueError(f"choose a day from 1 to 28, not {self.monthly_day}")
        if not 1 <= self.special_hours <= 72:
            raise ValueError(f"a special report's time limit of {self.special_hours} hours")

    def sensitive_on(self, day: date) -> SensitivePeriod | None:
        """The sensitive period covering ``day`` (the earliest hour when several do)."""
        found = [p for p in self.sensitive if p.covers(day)]
        return min(found, key=lambda p: p.hour) if found else None

    def daily_due(self, day: date, zone: ZoneInfo) -> datetime | None:
        """When the daily report for ``day`` is due; None when none is due that day."""
        period = self.sensitive_on(day)
        if period is not None:
            return _at(day, period.hour, zone)
        if self.calendar.is_workday(day):
            return _at(day, self.daily_hour, zone)
        return None

    def daily_hour_of(self, day: date) -> int:
        period = self.sensitive_on(day)
        return period.hour if period is not None else self.daily_hour

    def weekly_due(self, week: date, zone: ZoneInfo) -> datetime | None:
        """When the report on the week starting Monday ``week`` is due; None with no weekly cycle."""
        if self.weekly_weekday is None:
            return None
        day = week_of(week) + timedelta(days=7 + self.weekly_weekday)
        return _at(self.calendar.first_workday_from(day), self.weekly_hour, zone)

    def monthly_due(self, month: date, zone: ZoneInfo) -> datetime | None:
        """When the report on ``month`` (any day of it) is due; None with no monthly cycle."""
        if self.monthly_day is None:
            return None
        first = month.replace(day=1)
        following = (
            first.replace(year=first.year + 1, month=1)
            if first.month == 12
            else first.replace(month=first.month + 1)
        )
        day = following.replace(day=self.monthly_day)
        return _at(self.calendar.first_workday_from(day), self.monthly_hour, zone)

    def special_due(self, event_at: datetime) -> datetime:
        """A special report is due ``special_hours`` after the event, whatever the day."""
        return (event_at + timedelta(hours=self.special_hours)).astimezone(UTC)


def _at(day: date, hour: int, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(hour, 0), zone).astimezone(UTC)


def week_of(day: date) -> date:
    """The Monday of the week ``day`` lies in."""
    return day - timedelta(days=day.weekday())


def lapsed_daily(schedule: Schedule, now: datetime, zone: ZoneInfo, days: int = LOOKBACK_DAYS) -> list[date]:
    """The days (newest first, at most ``days`` back) whose daily report was due before ``now``."""
    today = now.astimezone(zone).date()
    found = []
    for back in range(days):
        day = today - timedelta(days=back)
        due = schedule.daily_due(day, zone)
        if due is not None and now >= due:
            found.append(day)
    return found


def lapsed_weekly(schedule: Schedule, now: datetime, zone: ZoneInfo) -> date | None:
    """The latest week (its Monday) whose report fell due in the week before ``now``."""
    today = now.astimezone(zone).date()
    for back in (1, 2):
        week = week_of(today) - timedelta(days=7 * back)
        due = schedule.weekly_due(week, zone)
        if due is not None and due <= now < due + timedelta(days=7):
            return week
    return None


def lapsed_monthly(schedule: Schedule, now: datetime, zone: ZoneInfo) -> date | None:
    """The month (its first day) whose report fell due in the month before ``now``."""
    today = now.astimezone(zone).date()
    last_month = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    for month in (last_month, (last_month - timedelta(days=1)).replace(day=1)):
        due = schedule.monthly_due(month, zone)
        if due is not None and due <= now < due + timedelta(days=31):
            return month
    return None
