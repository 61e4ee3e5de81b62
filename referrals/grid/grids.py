"""A grid worker's grids (网格) and what happened in them: the grids assigned to the worker (or,
before any assignment, every grid of their committee's village), the cases and hidden risks
whose place is in those grids, and one of them followed step by step.

A grid worker sees these and nothing else of the cases: a report from another grid, even of the
same committee, is not found (404), as for any outsider.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.errors import NotFound
from hub.models import Agency, Area, AreaLevel, User
from referrals.codes import Urgency
from referrals.models import Case, Evidence, GridAssignment, GridReport, Referral, ReferralEvent
from referrals.states import OPEN

LIST_SIZE = 50


async def grids_of(s: AsyncSession, user_id: int) -> list[Area]:
    """The worker's assigned grids; without an assignment, the grids of their agency's village."""
    assigned = (
        await s.scalars(
            select(Area)
            .join(GridAssignment, GridAssignment.area_id == Area.id)
            .where(GridAssignment.user_id == user_id)
            .order_by(Area.code)
        )
    ).all()
    if assigned:
        return list(assigned)
    village = await s.scalar(
        select(Agency.area_id).join(User, User.agency_id == Agency.id).where(User.id == user_id)
    )
    if village is None:
        return []
    rows = await s.scalars(
        select(Area).where(Area.parent_id == village, Area.level == AreaLevel.grid).order_by(Area.code)
    )
    return list(rows.all())


async def assign(s: AsyncSession, user_id: int, area_ids: Sequence[int]) -> None:
    """Give a grid worker these grids (the demo and the tests; an admin page is still to come)."""
    for area_id in area_ids:
        if await s.get(GridAssignment, (user_id, area_id)) is None:
            s.add(GridAssignment(user_id=user_id, area_id=area_id))
    await s.flush()


@dataclass(frozen=True)
class Item:
    """A case or hidden risk of the worker's grids, as their list shows it."""

    case: Case
    report: GridReport | None
    state: str  # the current referral's state, or "" before any
    receiver: str
    grid: str


def _items_query(
    grid_ids: Sequence[int],
) -> Select[Case, GridReport, str, str, str]:
    return (
        select(Case, GridReport, Referral.state, Agency.name, Area.name)
        .outerjoin(GridReport, GridReport.case_id == Case.id)
        .outerjoin(Referral, Referral.id == Case.current_referral_id)
        .outerjoin(Agency, Agency.id == Referral.to_agency_id)
        .join(Area, Area.id == Case.area_id)
        .where(Case.area_id.in_(list(grid_ids)))
    )


async def items(s: AsyncSession, grid_ids: Sequence[int], *, limit: int = LIST_SIZE) -> list[Item]:
    """The newest cases and risks placed in these grids, urgent open ones first."""
    rows = (await s.execute(_items_query(grid_ids).order_by(Case.id.desc()).limit(limit))).all()
    found = [Item(c, report, state or "", receiver or "", grid) for c, report, state, receiver, grid in rows]
    return sorted(found, key=lambda i: not pressing(i))


def pressing(i: Item) -> bool:
    """An urgent report not yet settled."""
    return i.report is not None and i.report.urgency == Urgency.urgent and i.state in ("", *OPEN)


async def item(s: AsyncSession, grid_ids: Sequence[int], case_id: int) -> Item:
    row = (await s.execute(_items_query(grid_ids).where(Case.id == case_id))).first()
    if row is None:
        raise NotFound()
    case, report, state, receiver, grid = row
    return Item(case, report, state or "", receiver or "", grid)


@dataclass(frozen=True)
class Step:
    action: str
    to_state: str
    at: datetime
    agency: str
    reason: str


async def steps(s: AsyncSession, case_id: int) -> list[Step]:
    """What happened to the case, in order: every move of every referral, by agency (not person)."""
    rows = await s.execute(
        select(ReferralEvent, Agency.name)
        .join(Referral, Referral.id == ReferralEvent.referral_id)
        .outerjoin(Agency, Agency.id == ReferralEvent.actor_agency_id)
        .where(Referral.case_id == case_id)
        .order_by(ReferralEvent.at, ReferralEvent.id)
    )
    return [Step(e.action, e.to_state, e.at, name or "", e.reason) for e, name in rows.all()]


async def photo_count(s: AsyncSession, case_id: int) -> int:
    return int(await s.scalar(select(func.count(Evidence.id)).where(Evidence.case_id == case_id)) or 0)
