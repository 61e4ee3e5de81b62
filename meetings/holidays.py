"""Meetings on rest days, pure: which occurrences of a series fall on a public holiday or a rest
day by the statutory calendar (``hub.workdays``), and what a series does with them.

China's rest days move every year (a weekend day may become a working day to lengthen a holiday),
so a rule such as "the first Tuesday of the month" can land inside the National Day holiday. A
series says what to do (``Holidays``): ``flag`` (the default) keeps the occurrence and marks it,
on the meeting pages and in the calendars; ``skip`` leaves it out when the series is planned
(it is kept as a cancelled occurrence, so calendars list it as an EXDATE).

A meeting is on a rest day when its local start date is not a working day; moving it re-reads
the calendar, so a meeting moved off a holiday is no longer flagged.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from hub.workdays.calendar import StatutoryCalendar

# How calendars (iCalendar, for any client) name a rest day that is not a public holiday; a
# holiday is named as the statutory calendar names it (国庆节, 春节…).
REST_DAY = "休息日"


class Holidays(StrEnum):
    flag = "flag"
    skip = "skip"


@dataclass(frozen=True)
class RestDay:
    """The rest day a meeting falls on: ``name`` is the public holiday's, "" for a plain weekend."""

    name: str

    @property
    def printed(self) -> str:
        return self.name or REST_DAY


def rest_day(start: datetime, zone: str, calendar: StatutoryCalendar) -> RestDay | None:
    """The rest day of a meeting starting at ``start`` (local date in ``zone``), or None."""
    day = start.astimezone(ZoneInfo(zone)).date()
    if calendar.is_workday(day):
        return None
    return RestDay(calendar.holiday_name(day) or "")


def flagged(title: str, found: RestDay | None) -> str:
    """A meeting's title as a calendar shows it: "公调对接联席会议（国庆节）" on a rest day."""
    return f"{title}（{found.printed}）" if found is not None else title


def skipped(starts: Sequence[datetime], zone: str, calendar: StatutoryCalendar) -> dict[datetime, RestDay]:
    """The starts a ``skip`` series leaves out, with the rest day of each."""
    out = {}
    for start in starts:
        found = rest_day(start, zone, calendar)
        if found is not None:
            out[start] = found
    return out
