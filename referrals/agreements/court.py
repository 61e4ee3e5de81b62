"""Judicial confirmation (司法确认) of an agreement, as the receiving agency records it.

The parties apply together to the basic people's court within 30 days of the agreement taking
effect (People's Mediation Law art. 33; ``deadlines.confirmation_deadline``). Recording the
application moves the referral resolved -> confirmation_applied; the court's decision moves it on to
confirmed or confirmation_refused (with the court's reason). Both through ``moves.move``, so the
referral's event, audit row and notices are written as for any other move.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub import audit
from hub.events import Outbox
from hub.i18n import N_
from hub.models import Agency, AgencyKind
from referrals import deadlines, moves, service
from referrals.agreement_errors import (
    AgreementMissing,
    AgreementNotConfirmed,
    BadCourt,
    BadDate,
    ConfirmationWindowClosed,
    NotReceiver,
)
from referrals.agreements.agreements import FUTURE_SLACK_SECONDS, CaseAgreement, is_locked
from referrals.models import Agreement


async def courts(s: AsyncSession) -> Sequence[Agency]:
    return (
        await s.scalars(
            select(Agency).where(Agency.kind == AgencyKind.court, Agency.active.is_(True)).order_by(Agency.id)
        )
    ).all()


async def court_for(s: AsyncSession, court_agency_id: int | None) -> Agency:
    """The court named, or the first one (a district has one basic court)."""
    found = await courts(s)
    if court_agency_id is None and found:
        return found[0]
    for court in found:
        if court.id == court_agency_id:
            return court
    raise BadCourt()


def _not_future(at: datetime, now: datetime) -> None:
    if (at - now).total_seconds() > FUTURE_SLACK_SECONDS:
        raise BadDate(N_("A date in the future cannot be recorded."))


def _require(ca: CaseAgreement) -> Agreement:
    if ca.referral is None or not ca.receiver:
        raise NotReceiver()
    agreement = ca.current
    if agreement is None:
        raise AgreementMissing()
    return agreement


async def apply(
    s: AsyncSession,
    actor: audit.Actor,
    ca: CaseAgreement,
    *,
    court_agency_id: int | None,
    applied_at: datetime | None,
    now: datetime,
    zone: ZoneInfo,
    outbox: Outbox,
) -> Agreement:
    """Record that the parties applied for judicial confirmation; refused once the window closed."""
    agreement = _require(ca)
    assert ca.referral is not None
    if not is_locked(agreement, ca.case.parties):
        raise AgreementNotConfirmed()
    applied_at = applied_at or now
    _not_future(applied_at, now)
    assert agreement.effective_date is not None  # every party confirmed a complete agreement
    policy = await service.policy_for(s, ca.referral.to_agency_id)
    deadline = deadlines.confirmation_deadline(agreement.effective_date, policy)
    if applied_at.astimezone(zone).date() > deadline:
        raise ConfirmationWindowClosed(deadline=deadline.isoformat())
    if applied_at.astimezone(zone).date() < agreement.effective_date:
        raise BadDate(N_("The application cannot come before the agreement took effect."))
    court = await court_for(s, court_agency_id)
    await moves.move(
        s,
        actor,
        ca.referral,
        moves.Move("apply_confirmation", data={"court": court.id}),
        sides=ca.sides,
        now=now,
        outbox=outbox,
    )
    agreement.confirmation_applied_at = applied_at
    agreement.court_agency_id = court.id
    await s.flush()
    await audit.record(
        s,
        actor,
        "agreement.confirmation_applied",
        "agreement",
        agreement.id,
        {"court": court.id, "at": applied_at.isoformat(), "deadline": deadline.isoformat()},
    )
    return agreement


async def record_outcome(
    s: AsyncSession,
    actor: audit.Actor,
    ca: CaseAgreement,
    *,
    outcome: str,
    reason: str,
    court_reference: str,
    decided_at: datetime | None,
    now: datetime,
    outbox: Outbox,
) -> Agreement:
    """The court confirmed the agreement, or refused (with its reason)."""
    agreement = _require(ca)
    assert ca.referral is not None
    decided_at = decided_at or now
    _not_future(decided_at, now)
    applied = agreement.confirmation_applied_at
    if applied is not None and decided_at < applied:
        raise BadDate(N_("The court cannot decide before the application."))
    action = "confirm" if outcome == "confirmed" else "refuse_confirmation"
    await moves.move(
        s,
        actor,
        ca.referral,
        moves.Move(action, reason, {"court_reference": court_reference}),
        sides=ca.sides,
        now=now,
        outbox=outbox,
    )
    agreement.court_outcome = outcome
    agreement.court_decided_at = decided_at
    agreement.court_reference = court_reference
    await s.flush()
    await audit.record(
        s,
        actor,
        "agreement.court_decided",
        "agreement",
        agreement.id,
        {
            "outcome": outcome,
            "reference": court_reference,
            "reason": reason[:200],
            "at": decided_at.isoformat(),
        },
    )
    return agreement
