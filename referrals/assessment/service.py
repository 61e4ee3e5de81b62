"""Reading what the assessment counts (use cases taking a session): the cases of a period with
their referrals and visits, the stations' incident counts, the ledger's cases and the settled
cases of the subsidy. The figures themselves are the pure modules' (``figures``, ``ledger``,
``subsidy``); the cases read are those the scope may see (``visibility.visible``), as in the
statistics, whose loader this reuses.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.labels import label
from hub.models import Agency, AgencyKind, Area, User
from hub.permissions import Scope
from referrals.assessment import figures, ledger, subsidy
from referrals.models import (
    Agreement,
    AgreementTerm,
    Case,
    CaseDifficulty,
    FollowUp,
    IncidentCount,
    Party,
    Referral,
    SubsidyLevel,
)
from referrals.stats import stats
from referrals.stats.views import load_cases
from referrals.visibility import visible


def _window(scope: Scope, first: datetime, last: datetime) -> ColumnElement[bool]:
    return visible(scope) & (Case.created_at >= first) & (Case.created_at < last)


async def assessment_rows(
    s: AsyncSession, scope: Scope, first: datetime, last: datetime
) -> list[figures.AssessRow]:
    """The cases taken in within [first, last) that the scope may see, with referrals and visits."""
    cases = await load_cases(s, scope, first, last)
    ids = select(Case.id).where(_window(scope, first, last)).scalar_subquery()
    visits: dict[int, list[figures.Visit]] = {}
    for case_id, done_at, outcome in (
        await s.execute(
            select(FollowUp.case_id, FollowUp.done_at, FollowUp.outcome).where(FollowUp.case_id.in_(ids))
        )
    ).all():
        visits.setdefault(case_id, []).append(figures.Visit(done_at, outcome))
    return [figures.AssessRow(c, tuple(visits.get(c.id, ()))) for c in cases]


@dataclass(frozen=True)
class Places:
    """The district's areas and agencies as the assessment groups them."""

    area_names: Mapping[int, str]
    town_of_area: Mapping[int, int]
    agency_names: Mapping[int, str]
    station_town: Mapping[int, int | None]
    stations: frozenset[int]


async def places(s: AsyncSession) -> Places:
    areas = (await s.execute(select(Area.id, Area.name, Area.parent_id, Area.level))).all()
    parents = {a.id: a.parent_id for a in areas}
    levels = {a.id: a.level for a in areas}
    towns = {a.id: stats.town_of(a.id, parents, levels) for a in areas}
    agencies = (await s.execute(select(Agency.id, Agency.name, Agency.kind, Agency.area_id))).all()
    return Places(
        area_names={a.id: a.name for a in areas},
        town_of_area=towns,
        agency_names={a.id: a.name for a in agencies},
        station_town={a.id: towns.get(a.area_id) if a.area_id is not None else None for a in agencies},
        stations=frozenset(a.id for a in agencies if a.kind == AgencyKind.police_station),
    )


async def incidents(s: AsyncSession, scope: Scope, start: date, end: date) -> dict[int, int]:
    """Each station's incident count over the months the period touches (stations in scope)."""
    months = figures.months(start, end)
    query = (
        select(IncidentCount.agency_id, func.sum(IncidentCount.count))
        .where(IncidentCount.month >= months[0], IncidentCount.month <= months[-1])
        .group_by(IncidentCount.agency_id)
    )
    if scope.agency_ids is not None:
        query = query.where(IncidentCount.agency_id.in_(list(scope.agency_ids)))
    return {agency_id: int(total or 0) for agency_id, total in (await s.execute(query)).all()}


async def ledger_cases(
    s: AsyncSession, scope: Scope, first: datetime, last: datetime
) -> list[ledger.LedgerCase]:
    """The ledger's cases: those taken in within [first, last) that the scope may see."""
    window = _window(scope, first, last)
    ids = select(Case.id).where(window).scalar_subquery()
    names = dict((await s.execute(select(Agency.id, Agency.name))).all())
    people = dict((await s.execute(select(User.id, User.display_name))).all())
    parties: dict[int, list[tuple[str, str]]] = {}
    for case_id, role, name in (
        await s.execute(
            select(Party.case_id, Party.role, Party.name).where(Party.case_id.in_(ids)).order_by(Party.id)
        )
    ).all():
        parties.setdefault(case_id, []).append((role, name))
    referrals: dict[int, list[Referral]] = {}
    for r in (await s.scalars(select(Referral).where(Referral.case_id.in_(ids)).order_by(Referral.id))).all():
        referrals.setdefault(r.case_id, []).append(r)
    amounts: dict[int, Decimal] = {}
    confirmation: dict[int, str] = {}
    for case_id, applied, outcome in (
        await s.execute(
            select(Agreement.case_id, Agreement.confirmation_applied_at, Agreement.court_outcome).where(
                Agreement.case_id.in_(ids),
                Agreement.superseded_at.is_(None),  # the agreement in force
            )
        )
    ).all():
        confirmation[case_id] = outcome or ("applied" if applied is not None else "")
    for case_id, total in (
        await s.execute(
            select(Agreement.case_id, func.sum(AgreementTerm.amount))
            .join(AgreementTerm, AgreementTerm.agreement_id == Agreement.id)
            .where(Agreement.case_id.in_(ids), Agreement.superseded_at.is_(None))
            .group_by(Agreement.case_id)
        )
    ).all():
        if total is not None:
            amounts[case_id] = Decimal(total)
    visits: dict[int, list[tuple[datetime, str]]] = {}
    for case_id, done_at, outcome in (
        await s.execute(
            select(FollowUp.case_id, FollowUp.done_at, FollowUp.outcome).where(
                FollowUp.case_id.in_(ids), FollowUp.done_at.is_not(None)
            )
        )
    ).all():
        if done_at is not None:
            visits.setdefault(case_id, []).append((done_at, outcome))
    found = []
    for case in (await s.scalars(select(Case).where(window))).all():
        refs = referrals.get(case.id, [])
        latest = refs[-1] if refs else None
        accepted = next((r.accepted_at for r in reversed(refs) if r.accepted_at is not None), None)
        found.append(
            ledger.LedgerCase(
                number=case.number,
                created_at=case.created_at,
                incident_no=case.incident_no,
                category_name=label(case.category),
                parties=tuple(parties.get(case.id, ())),
                summary=case.summary,
                address=case.address,
                source=names.get(refs[0].from_agency_id if refs else case.created_agency_id, ""),
                receiver=names.get(latest.to_agency_id, "") if latest else "",
                accepted_at=accepted,
                mediator=people.get(latest.mediator_id, "") if latest and latest.mediator_id else "",
                state=latest.state if latest else "",
                agreed_amount=amounts.get(case.id),
                confirmation=confirmation.get(case.id, ""),
                visits=tuple(visits.get(case.id, ())),
                closed_at=(latest.closed_at or latest.decided_at) if latest else None,
                flags=tuple(case.flags),
                onward=max(len(refs) - 1, 0),
            )
        )
    return found


async def levels(s: AsyncSession) -> list[subsidy.Level]:
    """The bureau's subsidy levels, or the defaults while it has set none."""
    rows = (await s.scalars(select(SubsidyLevel).order_by(SubsidyLevel.position, SubsidyLevel.code))).all()
    if not rows:
        return list(subsidy.DEFAULT_LEVELS)
    return [subsidy.Level(r.code, r.name, Decimal(r.amount), r.position) for r in rows]


@dataclass(frozen=True)
class Settled:
    case: subsidy.SettledCase
    category: str
    mediator: str


async def settled_cases(s: AsyncSession, scope: Scope, first: datetime, last: datetime) -> list[Settled]:
    """Cases settled (a referral reached an agreement) within [first, last), for the subsidy: the
    settling referral's mediator, the rule's level and any level a person set."""
    rows = (
        await s.execute(
            select(
                Referral.case_id,
                Referral.mediator_id,
                Referral.decided_at,
                Case.number,
                Case.category,
                Case.amount,
            )
            .add_columns(Case.group_dispute)
            .join(Case, Case.id == Referral.case_id)
            .where(
                visible(scope),
                Referral.state.in_(list(stats.AGREED)),
                Referral.decided_at >= first,
                Referral.decided_at < last,
            )
            .order_by(Referral.decided_at, Referral.id)
        )
    ).all()
    ids = [r.case_id for r in rows]
    counts = dict(
        (
            await s.execute(
                select(Party.case_id, func.count(Party.id))
                .where(Party.case_id.in_(ids))
                .group_by(Party.case_id)
            )
        ).all()
    )
    chosen = dict(
        (
            await s.execute(
                select(CaseDifficulty.case_id, CaseDifficulty.level).where(CaseDifficulty.case_id.in_(ids))
            )
        ).all()
    )
    people = dict((await s.execute(select(User.id, User.display_name))).all())
    found, seen = [], set()
    for r in rows:
        if r.case_id in seen:  # settled twice (a refused confirmation, mediated again): the first counts
            continue
        seen.add(r.case_id)
        rule = subsidy.classify(r.category, r.amount, bool(r.group_dispute), int(counts.get(r.case_id, 0)))
        case = subsidy.SettledCase(
            r.case_id, r.number, r.mediator_id, r.decided_at, rule, chosen.get(r.case_id)
        )
        found.append(Settled(case, r.category, people.get(r.mediator_id, "") if r.mediator_id else ""))
    return found
