"""Pauses of a referral's mediation period: days that do not count (a medical appraisal, 医疗损害鉴定:
the Regulations on the Prevention and Handling of Medical Disputes leave appraisal time out of
the 30 working days). The receiving body records each pause (first and last day, both included,
and why) while the referral is accepted or in mediation; the deadline moves at once
(``deadlines.paused_due``), and an extension later counts around the pauses too."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub import audit
from hub.events import Outbox
from hub.i18n import N_, gettext
from hub.workdays import Pause
from referrals import deadlines, states
from referrals.agencies import policy_for
from referrals.errors import PauseRefused, WrongSide
from referrals.mediators import lock
from referrals.models import Case, Referral, ReferralEvent, ReferralPause
from referrals.moves import announce


async def pauses_of(s: AsyncSession, referral_id: int) -> list[ReferralPause]:
    rows = await s.scalars(
        select(ReferralPause)
        .where(ReferralPause.referral_id == referral_id)
        .order_by(ReferralPause.first_day)
    )
    return list(rows.all())


def spans(rows: list[ReferralPause]) -> list[Pause]:
    return [Pause(r.first_day, r.last_day) for r in rows]


async def record_pause(
    s: AsyncSession,
    actor: audit.Actor,
    referral: Referral,
    *,
    first: date,
    last: date,
    reason: str,
    sides: set[states.Side],
    now: datetime,
    outbox: Outbox,
) -> ReferralPause:
    if states.Side.receiver not in sides:
        raise WrongSide(side=gettext(N_("receiving")))
    await lock(s, referral)
    if (
        referral.state not in (states.State.accepted, states.State.in_mediation)
        or referral.accepted_at is None
        or referral.mediation_due is None
        or last < first
        or not reason.strip()
    ):
        raise PauseRefused()
    earlier = spans(await pauses_of(s, referral.id))
    category = await s.scalar(select(Case.category).where(Case.id == referral.case_id))
    policy = await policy_for(s, referral.to_agency_id, category)
    pause = Pause(first, last)
    old_due = referral.mediation_due
    referral.mediation_due = deadlines.paused_due(referral.accepted_at, old_due, pause, earlier, policy)
    row = ReferralPause(
        referral_id=referral.id,
        first_day=first,
        last_day=last,
        reason=reason.strip()[:200],
        recorded_by_id=actor.user_id,
        recorded_at=now,
    )
    s.add(row)
    s.add(
        ReferralEvent(
            referral_id=referral.id,
            action="pause",
            from_state=referral.state,
            to_state=referral.state,
            actor_user_id=actor.user_id,
            actor_agency_id=actor.agency_id,
            at=now,
            reason=row.reason,
            data={
                "first": first.isoformat(),
                "last": last.isoformat(),
                "due": referral.mediation_due.isoformat(),
            },
        )
    )
    await s.flush()
    await audit.record(
        s,
        actor,
        "referral.paused",
        "referral",
        referral.id,
        {
            "first": first.isoformat(),
            "last": last.isoformat(),
            "reason": row.reason,
            "due_before": old_due.isoformat(),
            "due": referral.mediation_due.isoformat(),
        },
    )
    number = await s.scalar(select(Case.number).where(Case.id == referral.case_id)) or ""
    announce(outbox, referral, "referral.paused", actor, number)
    return row
