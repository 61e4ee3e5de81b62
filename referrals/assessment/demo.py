"""Demo data of the assessment: a year of monthly incident counts (警情数) for every police station,
so the demo's referral rates show, and the subsidy's default levels as the bureau's table."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from hub.demo_context import DemoContext
from hub.models import Agency, AgencyKind
from referrals.assessment import figures, subsidy
from referrals.models import IncidentCount, SubsidyLevel

MONTHS = 12


async def load(ctx: DemoContext) -> None:
    today = ctx.now.date()
    end = today.replace(day=1)
    start = end
    for _ in range(MONTHS - 1):
        start = (start - timedelta(days=1)).replace(day=1)
    months = figures.months(start, end)
    async with ctx.db.write() as s:
        if await s.scalar(select(IncidentCount.agency_id).limit(1)) is None:
            stations = (
                await s.scalars(
                    select(Agency.id).where(Agency.kind == AgencyKind.police_station).order_by(Agency.code)
                )
            ).all()
            for i, station in enumerate(stations):
                for j, month in enumerate(months):
                    count = 60 + (i * 37) % 140 + (j * 11) % 25  # a station's size, and the season
                    s.add(IncidentCount(agency_id=station, month=month, count=count, updated_at=ctx.now))
        if await s.scalar(select(SubsidyLevel.code).limit(1)) is None:
            for level in subsidy.DEFAULT_LEVELS:
                s.add(
                    SubsidyLevel(
                        code=level.code,
                        name=level.name,
                        amount=level.amount,
                        position=level.position,
                        updated_at=ctx.now,
                    )
                )
