"""What the referral queue (/referrals) and the case list (/cases) show, read from the database.

The queue shows what waits on the viewer's agencies: incoming referrals and outgoing ones still
open, soonest deadline first, and cases that came back (declined, expired, failed) to the sender.
It refreshes itself: ``referrals.js`` hears the live events and fetches ``/referrals?fragment=1``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy import case as when
from sqlalchemy.ext.asyncio import AsyncSession

from hub import directory
from hub.models import Agency, User
from hub.permissions import Scope
from referrals import states
from referrals.agencies import Policies
from referrals.cases import views
from referrals.models import Case, Party, Referral
from referrals.visibility import latest_per_case, mask_id_number, visible

QUEUE_LIMIT = 200


@dataclass(frozen=True)
class Row:
    referral_id: int
    case_id: int
    number: str
    category: str
    summary: str
    state: str
    other: str  # the agency at the other end (sender for incoming, receiver for outgoing)
    mediator: str
    due: datetime | None
    badge: str | None
    reason: str
    changed_at: datetime
    to_agency_id: int = 0


async def rows_of(
    s: AsyncSession, stmt: Select[Referral, Case], now: datetime, *, incoming: bool
) -> list[Row]:
    found = (await s.execute(stmt.limit(QUEUE_LIMIT))).all()
    agencies = await directory.names(
        s, Agency, [a for r, _ in found for a in (r.from_agency_id, r.to_agency_id)]
    )
    people = await directory.names(s, User, [r.mediator_id for r, _ in found])
    policies = Policies(s)
    rows = []
    for r, case in found:
        due = views.current_due(r.state, r.accept_due, r.mediation_due)
        rows.append(
            Row(
                referral_id=r.id,
                case_id=case.id,
                number=case.number,
                category=case.category,
                summary=case.summary,
                state=r.state,
                other=agencies.get(r.from_agency_id if incoming else r.to_agency_id, ""),
                mediator=people.get(r.mediator_id or 0, ""),
                due=due,
                badge=views.badge(due, now, await policies.of(r.to_agency_id), views.step_of(r.state)),
                reason=r.last_reason,
                changed_at=r.state_changed_at,
                to_agency_id=r.to_agency_id,
            )
        )
    return rows


def _due() -> ColumnElement[datetime | None]:
    """``views.current_due`` in SQL: acceptance while sent, mediation while being worked on."""
    return when(
        (Referral.state == states.State.sent, Referral.accept_due),
        (Referral.state.in_(list(views.WORKING)), Referral.mediation_due),
        else_=None,
    )


def by_deadline(stmt: Select[Referral, Case]) -> Select[Referral, Case]:
    """Soonest deadline first, in the query: the list is cut at ``QUEUE_LIMIT`` rows, and what is
    cut must be the least urgent, never the oldest and most overdue."""
    due = _due()
    return stmt.order_by(due.is_(None), func.coalesce(due, Referral.state_changed_at), Referral.id)


def open_to(agency_id: int) -> Select[Referral, Case]:
    """The open referrals an agency has received, with their cases."""
    return (
        select(Referral, Case)
        .join(Case, Case.id == Referral.case_id)
        .where(Referral.to_agency_id == agency_id, Referral.state.in_(list(states.OPEN)))
    )


@dataclass(frozen=True)
class Tally:
    waiting: int  # sent, not yet accepted
    working: int  # accepted or in mediation
    overdue: int


async def tally(s: AsyncSession, stmt: Select[Referral, Case], now: datetime) -> Tally:
    """Counts over every referral the statement finds, not only the rows a list shows."""
    found = stmt.with_only_columns(Referral.state.label("state"), _due().label("due")).subquery()
    waiting, working, overdue = (
        await s.execute(
            select(
                func.count().filter(found.c.state == states.State.sent),
                func.count().filter(found.c.state.in_(list(views.WORKING))),
                func.count().filter(found.c.due < now),
            )
        )
    ).one()
    return Tally(waiting, working, overdue)


def _within(column: Any, scope: Scope) -> ColumnElement[bool] | None:
    return None if scope.agency_ids is None else column.in_(list(scope.agency_ids))


@dataclass(frozen=True)
class Queue:
    incoming: list[Row]
    outgoing: list[Row]
    returned: list[Row]


async def queue(s: AsyncSession, scope: Scope, now: datetime) -> Queue:
    base = select(Referral, Case).join(Case, Case.id == Referral.case_id)
    open_ = base.where(Referral.state.in_(list(states.OPEN)))
    mine_in, mine_out = _within(Referral.to_agency_id, scope), _within(Referral.from_agency_id, scope)
    incoming = open_ if mine_in is None else open_.where(mine_in)
    outgoing = open_ if mine_out is None else open_.where(mine_out)
    latest = select(func.max(Referral.id)).group_by(Referral.case_id)
    back = base.where(Referral.state.in_(list(states.RETURNED)), Referral.id.in_(latest))
    back = back if mine_out is None else back.where(mine_out)
    return Queue(
        incoming=await rows_of(s, by_deadline(incoming), now, incoming=True),
        outgoing=await rows_of(s, by_deadline(outgoing), now, incoming=False),
        returned=await rows_of(s, back.order_by(Referral.state_changed_at.desc()), now, incoming=False),
    )


# --- the case list --------------------------------------------------------------------------


def overdue_clause(now: datetime) -> ColumnElement[bool]:
    return or_(
        (Referral.state == states.State.sent) & (Referral.accept_due < now),
        Referral.state.in_(list(views.WORKING)) & (Referral.mediation_due < now),
    )


def cases_query(
    scope: Scope,
    now: datetime,
    *,
    state: str | None = None,
    category: str | None = None,
    q: str | None = None,
    overdue: bool = False,
    area_id: int | None = None,
    agency_id: int | None = None,
) -> Select[Case, Referral]:
    """The cases the scope may see, each with its current referral (or none), filtered; the case
    list page and the API's list both read it."""
    latest = latest_per_case()
    stmt = (
        select(Case, Referral)
        .outerjoin(latest, latest.c.case_id == Case.id)
        .outerjoin(Referral, Referral.id == latest.c.rid)
        .where(visible(scope))
    )
    if state:
        stmt = stmt.where(Referral.state == state)
    if category:
        stmt = stmt.where(Case.category == category)
    if area_id:
        stmt = stmt.where(Case.area_id == area_id)
    if agency_id:
        stmt = stmt.where(or_(Case.created_agency_id == agency_id, Referral.to_agency_id == agency_id))
    if overdue:
        stmt = stmt.where(overdue_clause(now))
    if q:
        like = f"%{q}%"
        stmt = stmt.where(
            or_(
                Case.number.like(like),
                Case.incident_no.like(like),
                Case.summary.like(like),
                Case.id.in_(select(Party.case_id).where(Party.name.like(like))),
            )
        )
    return stmt


async def list_rows(s: AsyncSession, found: Sequence[Any], now: datetime) -> list[dict[str, Any]]:
    """The case list's rows: the case, its current referral, who has it and how urgent it is."""
    agencies = await directory.names(s, Agency, [r.to_agency_id for _, r in found if r is not None])
    policies = Policies(s)
    items = []
    for case, r in found:
        due = views.current_due(r.state, r.accept_due, r.mediation_due) if r else None
        items.append(
            {
                "case": case,
                "referral": r,
                "to": agencies.get(r.to_agency_id, "") if r else "",
                "due": due,
                "badge": (
                    views.badge(due, now, await policies.of(r.to_agency_id), views.step_of(r.state))
                    if r
                    else None
                ),
                "parties": [(p.name, mask_id_number(p.id_number)) for p in case.parties],
            }
        )
    return items
