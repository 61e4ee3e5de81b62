"""The agencies a referral passes between, as referrals sees them: which kinds receive referrals,
and the deadline policy of each kind (``deadlines.Policy``; kinds without a row use the defaults)."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.cache import cached
from hub.models import Agency, AgencyKind
from hub.workdays.service import load as statutory_calendar
from referrals import deadlines
from referrals.models import DeadlinePolicy

RECEIVING_KINDS = frozenset(
    {
        AgencyKind.stationed_room,
        AgencyKind.mediation_committee,
        AgencyKind.specialised_body,
        AgencyKind.judicial_office,
        AgencyKind.justice_bureau,
    }
)


async def receiving_agencies(s: AsyncSession) -> list[Agency]:
    """The active agencies that may receive a referral, by kind and code."""
    rows = await s.scalars(
        select(Agency)
        .where(Agency.kind.in_([k.value for k in RECEIVING_KINDS]), Agency.active.is_(True))
        .order_by(Agency.kind, Agency.code)
    )
    return list(rows.all())


async def policy_for(s: AsyncSession, agency_id: int, category: str | None = None) -> deadlines.Policy:
    """The deadlines of the receiving agency's kind, counted by the statutory calendar; for a case
    of ``category``, the law's own mediation period where it sets one (labour, medical). Kept in
    the directory cache (policies, agencies and the calendar's days are directory data)."""
    return await cached(s, ("deadline_policy", agency_id, category), lambda: _policy(s, agency_id, category))


async def _policy(s: AsyncSession, agency_id: int, category: str | None) -> deadlines.Policy:
    kind = await s.scalar(select(Agency.kind).where(Agency.id == agency_id))
    row = await s.get(DeadlinePolicy, kind) if kind else None
    calendar = await statutory_calendar(s)
    if row is None:
        return deadlines.for_category(replace(deadlines.DEFAULT, calendar=calendar), category)
    policy = deadlines.Policy(
        accept_hours=row.accept_hours,
        mediation_days=row.mediation_days,
        mediation_max_days=row.mediation_max_days,
        followup_days=row.followup_days,
        soon_hours=row.soon_hours,
        calendar=calendar,
    )
    return deadlines.for_category(policy, category)


class Policies:
    """Deadline policies of receiving agencies, read once per agency (for lists of referrals)."""

    def __init__(self, s: AsyncSession) -> None:
        self.s = s
        self.known: dict[int, deadlines.Policy] = {}

    async def of(self, agency_id: int) -> deadlines.Policy:
        if agency_id not in self.known:
            self.known[agency_id] = await policy_for(self.s, agency_id)
        return self.known[agency_id]


async def police_stations_for(
    s: AsyncSession, sender_agency_id: int, area_path: tuple[int, ...]
) -> list[int]:
    """The police station(s) a case concerns: the sender when it is a station, else the active
    stations of the nearest area above the case's place that has any (a town may have several)."""
    sender_kind = await s.scalar(select(Agency.kind).where(Agency.id == sender_agency_id))
    if sender_kind == AgencyKind.police_station:
        return [sender_agency_id]
    rows = (
        await s.execute(
            select(Agency.id, Agency.area_id).where(
                Agency.kind == AgencyKind.police_station,
                Agency.active.is_(True),
                Agency.area_id.in_(list(area_path)),
            )
        )
    ).all()
    for area in area_path:
        found = sorted(agency for agency, at in rows if at == area)
        if found:
            return found
    return []
