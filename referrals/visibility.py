"""Which cases an agency may see: those it took in, and those referred to or from it.

Admins and supervisors see their agency's subtree (``Scope``); everyone else their own agency.
Outsiders get 404, so they cannot even learn that a case exists.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from hub.errors import NotFound
from hub.permissions import Scope
from referrals.models import Case, Referral


def visible(scope: Scope) -> ColumnElement[bool]:
    """A WHERE clause on Case for the cases this scope may see."""
    if scope.agency_ids is None:
        return true()
    ids = list(scope.agency_ids)
    hop = aliased(Referral)  # an alias, so queries that also join Referral do not swallow this one
    touched = (
        select(hop.id)
        .where(hop.case_id == Case.id, or_(hop.to_agency_id.in_(ids), hop.from_agency_id.in_(ids)))
        .correlate(Case)
        .exists()
    )
    return or_(Case.created_agency_id.in_(ids), touched)


async def get_visible_case(s: AsyncSession, scope: Scope, case_id: int) -> Case:
    case = await s.scalar(select(Case).where(Case.id == case_id, visible(scope)))
    if case is None:
        raise NotFound()
    return case


async def get_visible_referral(s: AsyncSession, scope: Scope, referral_id: int) -> Referral:
    referral = await s.get(Referral, referral_id)
    if referral is None:
        raise NotFound()
    await get_visible_case(s, scope, referral.case_id)
    return referral
