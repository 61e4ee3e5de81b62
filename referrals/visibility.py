"""Which cases an agency may see: those it took in, those referred to or from it, and (for a court)
those whose application for judicial confirmation is addressed to it; and whose eyes see the
parties' identities in full.

Admins and supervisors see their agency's subtree (``Scope``); everyone else their own agency.
Outsiders get 404, so they cannot even learn that a case exists. ID numbers and phones are shown in
full to those who work on the case (``works_on``), masked to everyone else who may see it.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, Subquery, func, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased, raiseload

from hub.errors import NotFound
from hub.permissions import Principal, Scope
from referrals.models import Case, CourtApplication, Referral

# An alias, so queries that also join Referral do not swallow this one. Built once: an alias made
# per call cost 4-5 ms of SQLAlchemy's compile cache misses on every case list and intake.
_HOP = aliased(Referral, name="hop")


def visible(scope: Scope) -> ColumnElement[bool]:
    """A WHERE clause on Case for the cases this scope may see."""
    if scope.agency_ids is None:
        return true()
    ids = list(scope.agency_ids)
    hop = _HOP
    touched = (
        select(hop.id)
        .where(hop.case_id == Case.id, or_(hop.to_agency_id.in_(ids), hop.from_agency_id.in_(ids)))
        .correlate(Case)
        .exists()
    )
    applied_to = (
        select(CourtApplication.id)
        .where(CourtApplication.case_id == Case.id, CourtApplication.court_agency_id.in_(ids))
        .correlate(Case)
        .exists()
    )
    return or_(Case.created_agency_id.in_(ids), touched, applied_to)


async def get_visible_case(s: AsyncSession, scope: Scope, case_id: int, *, parties: bool = True) -> Case:
    """The case, or 404; ``parties=False`` leaves its parties unloaded (touching them raises)."""
    stmt = select(Case).where(Case.id == case_id, visible(scope))
    if not parties:
        stmt = stmt.options(raiseload(Case.parties))
    case = await s.scalar(stmt)
    if case is None:
        raise NotFound()
    return case


async def get_visible_referral(s: AsyncSession, scope: Scope, referral_id: int) -> Referral:
    referral = await s.get(Referral, referral_id)
    if referral is None:
        raise NotFound()
    await get_visible_case(s, scope, referral.case_id)
    return referral


async def latest_referral(s: AsyncSession, case_id: int) -> Referral | None:
    """The case's current referral: the last one sent (None before the first)."""
    return await s.scalar(
        select(Referral).where(Referral.case_id == case_id).order_by(Referral.id.desc()).limit(1)
    )


def latest_per_case() -> Subquery:
    """``(case_id, rid)``: each case's current referral, to join lists of cases with it."""
    return select(Referral.case_id, func.max(Referral.id).label("rid")).group_by(Referral.case_id).subquery()


def works_on(
    principal: Principal, case: Case, referral: Referral | None, court_agency_id: int | None = None
) -> bool:
    """Those who need the full identity: the taking-in agency, both ends of the current referral,
    and the court the application for judicial confirmation went to (``court_agency_id``)."""
    agency = principal.agency_id
    return (
        principal.is_superuser
        or agency == case.created_agency_id
        or (referral is not None and agency in (referral.to_agency_id, referral.from_agency_id))
        or (court_agency_id is not None and agency == court_agency_id)
    )


async def reveals_to(s: AsyncSession, principal: Principal, case: Case, referral: Referral | None) -> bool:
    """``works_on``, with the court of the case's latest application for judicial confirmation."""
    court = await s.scalar(
        select(CourtApplication.court_agency_id)
        .where(CourtApplication.case_id == case.id)
        .order_by(CourtApplication.id.desc())
        .limit(1)
    )
    return works_on(principal, case, referral, court)


def mask_id_number(value: str) -> str:
    """Keep the first 4 and last 4 characters of an ID number (e.g. 3301**********1234)."""
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_phone(value: str) -> str:
    """Keep the first 3 and last 4 digits of a phone number (e.g. 138****5678)."""
    if len(value) <= 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]
