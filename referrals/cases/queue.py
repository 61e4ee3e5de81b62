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

from sqlalchemy import ColumnElement, Select, and_, exists, func, or_, select, true
from sqlalchemy import case as when
from sqlalchemy.ext.asyncio import AsyncSession

from hub import directory
from hub.db import planned_for_their_values
from hub.models import Agency, User
from hub.permissions import Scope
from referrals import case_index, states
from referrals.agencies import Policies
from referrals.cases import views
from referrals.models import Case, CaseAgency, CaseGram, Party, Referral
from referrals.visibility import mask_id_number

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
    back = base.where(Referral.state.in_(list(states.RETURNED)), Case.current_referral_id == Referral.id)
    back = back if mine_out is None else back.where(mine_out)
    return Queue(
        incoming=await rows_of(s, by_deadline(incoming), now, incoming=True),
        outgoing=await rows_of(s, by_deadline(outgoing), now, incoming=False),
        returned=await rows_of(s, back.order_by(Referral.state_changed_at.desc()), now, incoming=False),
    )


# --- the case list --------------------------------------------------------------------------


COUNT_CAP = 1000  # lists count this far, then say "1000+"


def overdue_clause(now: datetime) -> ColumnElement[bool]:
    """Past the deadline that counts now (``cases.current_due`` is none once nothing is due)."""
    return Case.current_due < now


def listed(scope: Scope, before: int | None = None) -> ColumnElement[bool]:
    """``visibility.visible`` as the list asks it: through ``case_agencies``, which holds the same
    rule; ``before``: only cases below that id are wanted (a page's cursor). PostgreSQL does not
    carry ``cases.id < x`` over to ``case_agencies.case_id``: without the bound said here too, the
    page after a cursor halfway down a million cases read the 500,000 rows above it (421 ms)."""
    if scope.agency_ids is None:
        return true()
    rows = select(CaseAgency.case_id).where(
        CaseAgency.case_id == Case.id, CaseAgency.agency_id.in_(sorted(scope.agency_ids))
    )
    return exists(rows if before is None else rows.where(CaseAgency.case_id < before))


def _like(q: str) -> str:
    return "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def matching(q: str) -> ColumnElement[bool]:
    """Cases whose number, 警情号 or a party's name contains ``q``: each of its one- or two-character
    pieces looked up in ``case_grams``, then (for three characters and more, where pieces can all be
    there without the whole) the texts themselves."""
    q = case_index.fold(q.strip())
    found: list[ColumnElement[bool]] = [
        exists(select(CaseGram.case_id).where(CaseGram.gram == g, CaseGram.case_id == Case.id))
        for g in case_index.query_grams(q)
    ]
    if len(q) > 2 or not found:
        like = _like(q)
        found.append(
            or_(
                func.lower(Case.number).like(like, escape="\\"),
                func.lower(Case.incident_no).like(like, escape="\\"),
                exists(
                    select(Party.id).where(
                        Party.case_id == Case.id, func.lower(Party.name).like(like, escape="\\")
                    )
                ),
            )
        )
    return and_(*found)


@dataclass(frozen=True)
class CaseFilters:
    """What the person asked the case list for; nothing set is the whole list."""

    state: str | None = None
    category: str | None = None
    q: str | None = None
    overdue: bool = False
    area_id: int | None = None
    agency_id: int | None = None


def cases_query(
    scope: Scope, now: datetime, filters: CaseFilters, before: int | None = None
) -> Select[Case, Referral]:
    """The cases the scope may see, each with its current referral (or none), filtered, with ids
    below ``before`` if given; the case list page and the API's list both read it, newest first, a
    page at a time (``page``)."""
    return (
        select(Case, Referral)
        .outerjoin(Referral, Referral.id == Case.current_referral_id)
        .where(*_chosen(scope, now, filters, before))
    )


def _chosen(
    scope: Scope, now: datetime, filters: CaseFilters, before: int | None = None
) -> list[ColumnElement[bool]]:
    """What ``cases_query`` asks of a case, as conditions on ``cases`` alone (the count needs
    nothing else: without the referral's join it can read ids from an index alone)."""
    chosen = [listed(scope, before)]
    if before is not None:
        chosen.append(Case.id < before)
    if filters.state:
        chosen.append(Case.current_state == filters.state)
    if filters.category:
        chosen.append(Case.category == filters.category)
    if filters.area_id:
        chosen.append(Case.area_id == filters.area_id)
    if filters.agency_id:
        chosen.append(
            or_(Case.created_agency_id == filters.agency_id, Case.current_receiver_id == filters.agency_id)
        )
    if filters.overdue:
        chosen.append(overdue_clause(now))
    if filters.q and filters.q.strip():
        chosen.append(matching(filters.q))
    return chosen


@dataclass(frozen=True)
class CasePage:
    rows: list[Any]  # (Case, Referral | None)
    total: int  # at most COUNT_CAP + 1
    capped: bool  # more than COUNT_CAP: "1000+"
    next_after: int | None  # the cursor of the next page (its cases' ids are below this)


async def page(
    s: AsyncSession,
    scope: Scope,
    now: datetime,
    filters: CaseFilters,
    *,
    limit: int,
    after: int | None = None,
    offset: int = 0,
) -> CasePage:
    """One page, newest first: after a cursor (the last id of the page before: an index range, as
    cheap on page 1,000 as on page 1), or ``offset`` rows in (kept for old links and clients).
    The total counts the whole list, not what lies after the cursor.

    Both statements are planned for their values each time: a generic plan is blind to how rare a
    state, category or station is. At a million cases one station's "sent, labour" went from 62 to
    235 ms at the 16th request (three pooled connections, five custom plans each) and stayed there.
    Planning afresh costs about a millisecond."""
    async with planned_for_their_values(s):
        paged = cases_query(scope, now, filters, before=after)
        rows = list((await s.execute(paged.order_by(Case.id.desc()).limit(limit + 1).offset(offset))).all())
        more = len(rows) > limit
        rows = rows[:limit]
        if after is None and offset == 0 and not more:
            total = len(rows)  # the first page holds them all: counting would walk the same rows again
        else:
            whole = select(Case.id).where(*_chosen(scope, now, filters)).limit(COUNT_CAP + 1).subquery()
            total = await s.scalar(select(func.count()).select_from(whole)) or 0
    return CasePage(rows, min(total, COUNT_CAP + 1), total > COUNT_CAP, rows[-1][0].id if more else None)


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
