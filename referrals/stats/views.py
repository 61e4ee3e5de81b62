"""What the statistics page, its downloads and the API share: the period asked for, the cases and
referrals read for it, the figures computed (``stats``) and named, and their shapes as JSON and table.

Everyone who may view cases sees the figures of the cases they may see (``visibility.visible``):
a supervisor their agency's subtree, everyone else their own agency's cases.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub import exports
from hub.errors import ValidationFailed
from hub.i18n import N_, gettext
from hub.labels import label
from hub.models import Agency, Area, User
from hub.orm import utcnow
from hub.permissions import Scope
from hub.routing import Ctx, parse_query
from referrals.models import Case, MediatorProfile, Referral, ReferralEvent
from referrals.stats import stats
from referrals.stats.schemas import DayOut, GroupOut, MediatorLoadOut, StatsOut, StatsQuery
from referrals.visibility import visible

MAX_DAYS = 366
HEADER = (
    N_("Breakdown"),
    N_("Group"),
    N_("Received"),
    N_("Referred"),
    N_("Accepted"),
    N_("Resolved"),
    N_("Failed"),
    N_("Judicially confirmed"),
    N_("Resolution rate (%)"),
    N_("Average days to resolve"),
    N_("Accepted late"),
    N_("Expired"),
    N_("Decided late"),
    N_("Deadline breaches"),
)
DIMENSIONS = {
    "total": N_("Total"),
    "category": N_("Category"),
    "agency": N_("Agency"),
    "area": N_("Area"),
}


def period(ctx: Ctx) -> tuple[date, date]:
    query = parse_query(ctx.request, StatsQuery)
    today = stats.local_day(utcnow(), ctx.config.zone)
    end = query.end or today
    start = query.start or end - timedelta(days=29)
    if start > end:
        raise ValidationFailed(N_("The period ends before it starts."))
    if (end - start).days >= MAX_DAYS:
        raise ValidationFailed(N_("Choose a period of at most %(days)s days."), days=MAX_DAYS)
    return start, end


async def load_cases(s: AsyncSession, scope: Scope, first: datetime, last: datetime) -> list[stats.CaseRow]:
    """The cases taken in within [first, last) that the scope may see, with their referrals."""
    window = visible(scope) & (Case.created_at >= first) & (Case.created_at < last)
    ids = select(Case.id).where(window).scalar_subquery()
    reached: dict[int, set[str]] = {}
    for referral_id, state in (
        await s.execute(
            select(ReferralEvent.referral_id, ReferralEvent.to_state)
            .join(Referral, Referral.id == ReferralEvent.referral_id)
            .where(Referral.case_id.in_(ids))
            .distinct()
        )
    ).all():
        reached.setdefault(referral_id, set()).add(state)
    referrals: dict[int, list[stats.ReferralRow]] = {}
    for r in (await s.scalars(select(Referral).where(Referral.case_id.in_(ids)).order_by(Referral.id))).all():
        referrals.setdefault(r.case_id, []).append(
            stats.ReferralRow(
                id=r.id,
                to_agency_id=r.to_agency_id,
                state=r.state,
                sent_at=r.sent_at,
                accept_due=r.accept_due,
                accepted_at=r.accepted_at,
                mediation_due=r.mediation_due,
                decided_at=r.decided_at,
                mediator_id=r.mediator_id,
                reached=frozenset(reached.get(r.id, ())),
            )
        )
    rows = await s.execute(
        select(Case.id, Case.created_at, Case.category, Case.area_id, Case.created_agency_id).where(window)
    )
    return [
        stats.CaseRow(
            c.id, c.created_at, c.category, c.area_id, c.created_agency_id, tuple(referrals.get(c.id, ()))
        )
        for c in rows.all()
    ]


async def mediator_loads(s: AsyncSession, scope: Scope) -> list[MediatorLoadOut]:
    pairs = (
        await s.execute(
            select(Referral.mediator_id, Referral.state)
            .join(Case, Case.id == Referral.case_id)
            .where(visible(scope), Referral.state.in_(list(stats.OPEN_WITH_MEDIATOR)))
        )
    ).all()
    load = stats.mediator_load((m, st) for m, st in pairs)
    if not load:
        return []
    people = (
        await s.execute(
            select(User.id, User.display_name, Agency.name, MediatorProfile.max_load)
            .join(Agency, Agency.id == User.agency_id)
            .outerjoin(MediatorProfile, MediatorProfile.user_id == User.id)
            .where(User.id.in_(list(load)))
        )
    ).all()
    out = [
        MediatorLoadOut(user_id=u, name=n, agency_name=a, open_referrals=load[u], max_load=m)
        for u, n, a, m in people
    ]
    return sorted(out, key=lambda m: (-m.open_referrals, m.name))


@dataclass
class Figures:
    result: stats.Stats
    names: dict[str, Mapping[Any, str]]
    mediators: list[MediatorLoadOut]

    def name(self, dimension: str, key: Hashable) -> str:
        if dimension == "total":
            return gettext(DIMENSIONS["total"])
        if key is None:
            return gettext(N_("Not given"))
        return self.names.get(dimension, {}).get(key) or str(key)

    def rows(self) -> list[tuple[str, str, stats.Figures]]:
        return stats.table(self.result, self.name)


async def figures(ctx: Ctx) -> Figures:
    start, end = period(ctx)
    zone = ctx.config.zone
    first, last = stats.period_bounds(start, end, zone)
    scope = ctx.must.scope
    async with ctx.db.read() as s:
        cases = await load_cases(s, scope, first, last)
        areas = (await s.execute(select(Area.id, Area.name, Area.parent_id, Area.level))).all()
        agencies = dict((await s.execute(select(Agency.id, Agency.name))).all())
        mediators = await mediator_loads(s, scope)
    parents = {a.id: a.parent_id for a in areas}
    levels = {a.id: a.level for a in areas}
    groups = {a.id: stats.town_of(a.id, parents, levels) for a in areas}
    result = stats.compute(cases, start, end, zone, groups)
    names: dict[str, Mapping[Any, str]] = {
        "category": {k: label(k) for k in result.by_category},
        "agency": dict(agencies),
        "area": {a.id: a.name for a in areas},
    }
    return Figures(result, names, mediators)


def group_out(key: Hashable, name: str, f: stats.Figures) -> GroupOut:
    return GroupOut.model_validate({"key": "" if key is None else str(key), "name": name, **f.as_dict()})


def stats_out(data: Figures) -> StatsOut:
    r = data.result

    def groups(dimension: str, found: Mapping[Any, stats.Figures]) -> list[GroupOut]:
        items = [group_out(k, data.name(dimension, k), f) for k, f in found.items()]
        return sorted(items, key=lambda g: (-g.received, g.name))

    return StatsOut(
        start=r.start,
        end=r.end,
        total=group_out(None, data.name("total", None), r.total),
        by_category=groups("category", r.by_category),
        by_agency=groups("agency", r.by_agency),
        by_area=groups("area", r.by_area),
        daily=[DayOut(day=d.day, received=d.received, resolved=d.resolved) for d in r.daily],
        mediators=data.mediators,
    )


def export_table(data: Figures) -> tuple[list[str], list[list[exports.Cell]]]:
    header = [gettext(h) for h in HEADER]
    rows: list[list[exports.Cell]] = []
    for dimension, name, f in data.rows():
        rate = f.resolution_rate
        rows.append(
            [
                gettext(DIMENSIONS[dimension]),
                name,
                f.received,
                f.referred,
                f.accepted,
                f.resolved,
                f.failed,
                f.confirmed,
                round(rate * 100, 1) if rate is not None else None,
                f.avg_days_to_resolve,
                f.late_acceptance,
                f.expired,
                f.late_decision,
                f.breaches,
            ]
        )
    return header, rows
