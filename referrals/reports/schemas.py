"""JSON shapes of reports and early warnings."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import Field, StringConstraints

from hub.schemas import Input, Output
from referrals.reports.filing import ReportKind

Count = Annotated[int, Field(ge=0, le=1_000_000)]


class FiguresIn(Input):
    received: Count = 0
    referred: Count = 0
    resolved: Count = 0
    group_disputes: Count = 0
    criminal_risks: Count = Field(
        default=0, description="Civil disputes at risk of turning criminal (民转刑)"
    )


class ReportIn(Input):
    kind: ReportKind = Field(description="zero (零报告), periodic, special (专报) or direct (直报)")
    period: date | None = Field(
        default=None, description="Daily reports: the day reported on (default today, local time)"
    )
    agency_id: int | None = Field(default=None, description="Default: your own agency")
    title: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] = ""
    body: Annotated[str, StringConstraints(strip_whitespace=True, max_length=5000)] = ""
    case_id: int | None = Field(default=None, description="Required for a special report")
    figures: FiguresIn | None = Field(default=None, description="Periodic reports")


class ReportOut(Output):
    id: int
    agency_id: int
    agency_name: str = ""
    kind: str
    period: date
    title: str
    body: str
    case_id: int | None
    figures: dict[str, int]
    submitted_by_id: int | None
    submitted_by: str = ""
    submitted_at: datetime


class ReportQuery(Input):
    kind: ReportKind | None = None
    agency_id: int | None = None
    since: date | None = None
    until: date | None = None
    limit: int = Field(default=50, ge=1, le=500)
    offset: int = Field(default=0, ge=0)


class DayQuery(Input):
    day: date | None = Field(default=None, description="Default today (local time)")


class AgencyBrief(Output):
    id: int
    code: str
    name: str
    kind: str


class MissingOut(Output):
    day: date
    due_at: datetime
    past_due: bool
    expected: int
    missing: list[AgencyBrief]


class WarningOut(Output):
    id: int
    key: str
    kind: str
    severity: str
    agency_id: int | None
    case_id: int | None
    area_id: int | None
    text: str
    link: str
    created_at: datetime
    acknowledged_at: datetime | None
    note: str


class WarningQuery(Input):
    kind: Annotated[str, StringConstraints(max_length=40, pattern=r"^[a-z_]*$")] | None = None


class AcknowledgeIn(Input):
    note: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)] = ""


class CalendarIn(Input):
    daily_hour: int = Field(
        default=18, ge=0, le=23, description="Daily reports are due at this hour on working days"
    )
    weekly_weekday: int | None = Field(
        default=None, ge=0, le=6, description="Weekday (0 Monday) of the week after; null: no weekly report"
    )
    weekly_hour: int = Field(default=17, ge=0, le=23)
    monthly_day: int | None = Field(
        default=None, ge=1, le=28, description="Day of the month after; null: no monthly report"
    )
    monthly_hour: int = Field(default=17, ge=0, le=23)
    special_hours: int = Field(default=2, ge=1, le=72, description="专报 time limit from the event, in hours")


class SensitiveIn(Input):
    name: str = Field(default="", max_length=100)
    first: date
    last: date
    hour: int = Field(default=12, ge=0, le=23, description="Daily reports are due at this hour, every day")


class SensitiveOut(Output):
    id: int
    name: str
    first: date
    last: date
    hour: int


class CalendarOut(Output):
    daily_hour: int
    weekly_weekday: int | None
    weekly_hour: int
    monthly_day: int | None
    monthly_hour: int
    special_hours: int
    sensitive: list[SensitiveOut]
