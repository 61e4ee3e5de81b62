"""JSON shapes of statistics."""

from __future__ import annotations

from datetime import date

from pydantic import Field

from hub.schemas import Input, Output


class StatsQuery(Input):
    start: date | None = Field(default=None, description="First day (local); default 29 days before end")
    end: date | None = Field(default=None, description="Last day (local); default today")


class GroupOut(Output):
    key: str
    name: str
    received: int
    referred: int
    accepted: int
    resolved: int
    failed: int
    confirmed: int
    resolution_rate: float | None = Field(description="resolved / (resolved + failed)")
    avg_days_to_resolve: float | None = Field(description="From sending the referral to the agreement")
    late_acceptance: int
    expired: int
    late_decision: int
    breaches: int


class DayOut(Output):
    day: date
    received: int
    resolved: int


class MediatorLoadOut(Output):
    user_id: int
    name: str
    agency_name: str
    open_referrals: int
    max_load: int | None


class StatsOut(Output):
    start: date
    end: date
    total: GroupOut
    by_category: list[GroupOut]
    by_agency: list[GroupOut]
    by_area: list[GroupOut]
    daily: list[DayOut]
    mediators: list[MediatorLoadOut]
