"""Judicial confirmation (司法确认) of an agreement: the receiving room records the application.

The parties apply jointly to the basic people's court where the mediation committee sits, within 30
days of the agreement taking effect (People's Mediation Law art. 33, Civil Procedure Law art. 205;
``deadlines.confirmation_deadline``). Recording the application moves the referral resolved ->
confirmation_applied through ``moves.move`` (event, audit row, notices) and opens the court's
``CourtApplication``; the court then takes its own steps on its queue (``referrals.court``).

``confirmation_clock`` counts the days left to apply; ``running_clocks`` lists the agreements whose
days are running, for the dashboard.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub import audit
from hub.events import Outbox
from hub.i18n import N_
from hub.models import Agency, AgencyKind, Role
from hub.notifications import notify, people_with_role
from hub.permissions import Scope
from referrals import committees, deadlines, moves
from referrals.agencies import policy_for
from referrals.agreements.agreements import FUTURE_SLACK_SECONDS, CaseAgreement, is_locked
from referrals.errors import (
    RECEIVER_ONLY,
    AgreementMissing,
    AgreementNotConfirmed,
    BadCourt,
    BadDate,
    ConfirmationWindowClosed,
    WrongSide,
)
from referrals.models import Agreement, Case, CourtApplication, Referral
from referrals.states import State
from referrals.visibility import visible


def confirmation_clock(
    agreement: Agreement | None, today: date, policy: deadlines.Policy = deadlines.DEFAULT
) -> tuple[date, int] | None:
    """(last day to apply for judicial confirmation, days left: 0 on that day, negative after).

    None while no clock runs: no agreement, no effective date yet, or the application is made.
    """
    if agreement is None or agreement.effective_date is None or agreement.confirmation_applied_at:
        return None
    deadline = deadlines.confirmation_deadline(agreement.effective_date, policy)
    return deadline, deadlines.days_left(deadline, today)


@dataclass(frozen=True)
class RunningClock:
    """An agreement whose parties may still apply for judicial confirmation (for the dashboard)."""

    case_id: int
    number: str
    deadline: date
    days_left: int

    @property
    def expired(self) -> bool:
        return self.days_left < 0


async def running_clocks(
    s: AsyncSession, scope: Scope, today: date, *, limit: int = 20, include_expired_days: int = 7
) -> list[RunningClock]:
    """Resolved cases the scope may see whose 30 days are running (or ran out in the last week),
    the nearest deadline first."""
    rows = (
        await s.execute(
            select(Case.id, Case.number, Agreement.effective_date, Referral.to_agency_id)
            .join(Agreement, Agreement.case_id == Case.id)
            .join(Referral, Referral.id == Agreement.referral_id)
            .where(
                visible(scope),
                Referral.state == State.resolved,
                Agreement.effective_date.isnot(None),
                Agreement.confirmation_applied_at.is_(None),
            )
        )
    ).all()
    policies: dict[int, deadlines.Policy] = {}
    found = []
    for case_id, number, effective, agency_id in rows:
        if effective is None:  # excluded by the query; here for the type checker
            continue
        if agency_id not in policies:
            policies[agency_id] = await policy_for(s, agency_id)
        deadline = deadlines.confirmation_deadline(effective, policies[agency_id])
        left = deadlines.days_left(deadline, today)
        if left >= -include_expired_days:
            found.append(RunningClock(case_id, number, deadline, left))
    return sorted(found, key=lambda c: (c.days_left, c.case_id))[:limit]


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
        raise WrongSide(RECEIVER_ONLY)
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
    policy = await policy_for(s, ca.referral.to_agency_id)
    deadline = deadlines.confirmation_deadline(agreement.effective_date, policy)
    if applied_at.astimezone(zone).date() > deadline:
        raise ConfirmationWindowClosed(deadline=deadline.isoformat())
    if applied_at.astimezone(zone).date() < agreement.effective_date:
        raise BadDate(N_("The application cannot come before the agreement took effect."))
    if court_agency_id is None:  # the basic court of the committee that made the agreement
        organisation = await committees.organisation_for(s, ca.referral.to_agency_id, agreement.committee_id)
        court_agency_id = organisation.court_agency_id
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
    application = CourtApplication(
        case_id=ca.case.id,
        agreement_id=agreement.id,
        referral_id=ca.referral.id,
        court_agency_id=court.id,
        applied_at=applied_at,
        applied_by_id=actor.user_id,
    )
    s.add(application)
    await s.flush()
    people = await people_with_role(s, [court.id], Role.liaison, Role.admin)
    await notify(
        s,
        outbox,
        people,
        "court.apply_confirmation",
        N_("New application for judicial confirmation: %(number)s"),
        f"/court/cases/{ca.case.id}",
        number=ca.case.number,
    )
    outbox.add(f"agency:{court.id}", "court.apply_confirmation", actor.user_id, case_id=ca.case.id)
    await audit.record(
        s,
        actor,
        "agreement.confirmation_applied",
        "agreement",
        agreement.id,
        {"court": court.id, "at": applied_at.isoformat(), "deadline": deadline.isoformat()},
    )
    return agreement
