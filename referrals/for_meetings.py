"""What other packages may ask of referrals (the published service functions).

meetings uses ``cases_for_joint_review`` to propose cases for a joint liaison meeting's agenda; it
gets plain dataclasses, never the referrals tables.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.early_warnings import EarlyWarning
from hub.permissions import Scope
from referrals import states
from referrals.models import Case, Referral
from referrals.visibility import visible


@dataclass(frozen=True)
class CaseForReview:
    case_id: int
    number: str
    category: str
    summary: str
    state: str
    reasons: tuple[
        str, ...
    ]  # overdue_acceptance, overdue_mediation, escalated, failed, group_dispute, warning


# How far back failed, expired and escalated referrals are proposed: a joint meeting reviews what
# went wrong lately, not every failure since the hub began (those would only grow).
REVIEW_DAYS = 180


async def cases_for_joint_review(
    s: AsyncSession, scope: Scope, now: datetime, limit: int = 20
) -> list[CaseForReview]:
    """Cases that need joint attention: overdue or escalated referrals, failed mediations,
    group disputes still open, and cases with open early warnings; most reasons first."""
    rows = (
        await s.execute(
            select(Case, Referral)
            .join(Referral, Referral.id == Case.current_referral_id)
            .where(visible(scope))
            .where(
                or_(
                    Referral.state.in_([states.State.failed, states.State.expired])
                    & (Referral.state_changed_at >= now - timedelta(days=REVIEW_DAYS)),
                    Referral.escalated_at >= now - timedelta(days=REVIEW_DAYS),
                    (Referral.state == states.State.sent) & (Referral.accept_due < now),
                    Referral.state.in_([states.State.accepted, states.State.in_mediation])
                    & (Referral.mediation_due < now),
                    Case.group_dispute.is_(True) & Referral.state.in_(list(states.OPEN)),
                    Case.id.in_(select(EarlyWarning.case_id).where(EarlyWarning.acknowledged_at.is_(None))),
                )
            )
        )
    ).all()
    warned = set(
        (await s.scalars(select(EarlyWarning.case_id).where(EarlyWarning.acknowledged_at.is_(None)))).all()
    )
    found = []
    for case, referral in rows:
        reasons = []
        if referral.state == states.State.sent and referral.accept_due < now:
            reasons.append("overdue_acceptance")
        if (
            referral.state in (states.State.accepted, states.State.in_mediation)
            and referral.mediation_due
            and (referral.mediation_due < now)
        ):
            reasons.append("overdue_mediation")
        if referral.escalated_at is not None or referral.state == states.State.expired:
            reasons.append("escalated")
        if referral.state == states.State.failed:
            reasons.append("failed")
        if case.group_dispute and referral.state in states.OPEN:
            reasons.append("group_dispute")
        if case.id in warned:
            reasons.append("warning")
        found.append(
            CaseForReview(case.id, case.number, case.category, case.summary, referral.state, tuple(reasons))
        )
    found.sort(key=lambda c: (-len(c.reasons), c.case_id))
    return found[:limit]


async def case_numbers(s: AsyncSession, scope: Scope, ids: list[int]) -> dict[int, str]:
    """The numbers of those of these cases the scope may see (others are left out)."""
    if not ids:
        return {}
    rows = await s.execute(select(Case.id, Case.number).where(Case.id.in_(ids), visible(scope)))
    return {case_id: number for case_id, number in rows.all()}
