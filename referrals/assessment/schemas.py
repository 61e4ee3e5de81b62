"""JSON shapes of the assessment: the query, the figures per group, incident counts, the subsidy."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Literal

from pydantic import Field

from hub.schemas import Input, Output

Figure = Literal[
    "taken_in",
    "referred",
    "incidents",
    "referral_rate",
    "hours_to_accept",
    "resolved",
    "failed",
    "success_rate",
    "followed_up",
    "followup_rate",
    "performed",
    "performance_rate",
    "confirmed",
    "confirmation_rate",
    "overdue",
]


class AssessQuery(Input):
    start: date | None = Field(default=None, description="First day (local); default the month's first day")
    end: date | None = Field(default=None, description="Last day (local); default today")
    rank: Figure | None = Field(default=None, description="The figure the ranking sorts by")


class GroupOut(Output):
    key: str
    name: str
    rank: int | None = None
    taken_in: int
    referred: int
    incidents: int | None = Field(description="警情数 over the period's months (stations and towns)")
    referral_rate: float | None = Field(description="referred / incidents")
    hours_to_accept: float | None = Field(description="Mean hours from sending to acceptance")
    resolved: int
    failed: int
    success_rate: float | None = Field(description="resolved / (resolved + failed)")
    followed_up: int
    followup_rate: float | None = Field(description="resolved cases visited at least once / resolved")
    performed: int
    performance_rate: float | None = Field(description="履行率: latest visit found it performed / visited")
    confirmed: int
    confirmation_rate: float | None = Field(description="司法确认 / resolved")
    overdue: int = Field(description="Deadline breaches and open referrals past their mediation deadline")


class AssessmentOut(Output):
    start: date
    end: date
    rank: str
    total: GroupOut
    by_station: list[GroupOut]
    by_town: list[GroupOut]
    by_body: list[GroupOut]


class IncidentIn(Input):
    agency_id: int
    month: str = Field(pattern=r"^\d{4}-\d{1,2}$", description="YYYY-MM")
    count: int = Field(ge=0, le=1_000_000)


class IncidentsIn(Input):
    items: list[IncidentIn] = Field(max_length=5000)


class CountOut(Output):
    saved: int


class LevelIO(Input):
    code: str = Field(pattern=r"^[a-z_]{1,16}$")
    name: str = Field(min_length=1, max_length=40)
    amount: Decimal = Field(ge=0, le=100000)


class LevelsIn(Input):
    levels: list[LevelIO] = Field(min_length=1, max_length=12)


class LevelOut(Output):
    code: str
    name: str
    amount: Decimal


class DifficultyIn(Input):
    level: str | None = Field(default=None, description="A level's code; null: back to the rule's")
    reason: str = Field(default="", max_length=200)


class MediatorMonthOut(Output):
    mediator_id: int | None
    mediator: str
    month: date
    cases: dict[str, int]
    count: int
    amount: Decimal


class SubsidyOut(Output):
    start: date
    end: date
    levels: list[LevelOut]
    months: list[MediatorMonthOut]


class LevelsOut(Output):
    levels: list[LevelOut]


class DifficultyOut(Output):
    case_id: int
    level: str | None
