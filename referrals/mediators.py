"""Mediators of a receiving body: who should take a case (specialty, then load), assigning one,
and extending the mediation deadline with a reason."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from hub import audit
from hub.events import Outbox
from hub.i18n import N_, gettext
from hub.labels import label
from hub.models import Role, User, UserRole
from hub.notifications import notify
from hub.workdays import Pause
from referrals import deadlines, states
from referrals.agencies import policy_for
from referrals.errors import BadMediator, ExtensionNotAllowed, ReasonRequired, TransitionNotAllowed, WrongSide
from referrals.models import Case, MediatorProfile, Referral, ReferralEvent, ReferralPause
from referrals.moves import announce


@dataclass(frozen=True)
class MediatorChoice:
    user_id: int
    name: str
    load: int
    matches_specialty: bool


async def propose_mediators(s: AsyncSession, referral: Referral) -> list[MediatorChoice]:
    """Mediators of the receiving agency, those who know the category first, then the least busy."""
    case = await s.get(Case, referral.case_id)
    assert case is not None
    people = (
        await s.execute(
            select(User.id, User.display_name)
            .join(UserRole, UserRole.user_id == User.id)
            .where(
                User.agency_id == referral.to_agency_id, User.active.is_(True), UserRole.role == Role.mediator
            )
        )
    ).all()
    loads = dict(
        (
            await s.execute(
                select(Referral.mediator_id, func.count(Referral.id))
                .where(
                    Referral.state.in_([states.State.accepted, states.State.in_mediation]),
                    Referral.mediator_id.isnot(None),
                )
                .group_by(Referral.mediator_id)
            )
        ).all()
    )
    profiles = {p.user_id: p for p in (await s.scalars(select(MediatorProfile))).all()}
    choices = [
        MediatorChoice(
            uid,
            name,
            int(loads.get(uid, 0)),
            case.category in (profiles[uid].specialties if uid in profiles else []),
        )
        for uid, name in people
    ]
    return sorted(choices, key=lambda c: (not c.matches_specialty, c.load, c.name))


async def assign_mediator(
    s: AsyncSession,
    actor: audit.Actor,
    referral: Referral,
    mediator_id: int,
    *,
    sides: set[states.Side],
    outbox: Outbox,
) -> Referral:
    if states.Side.receiver not in sides:
        raise WrongSide(side=gettext(N_("receiving")))
    await lock(s, referral)
    if referral.state not in (states.State.accepted, states.State.in_mediation):
        raise TransitionNotAllowed(state=label(referral.state), action=label("assign_mediator"))
    if mediator_id not in {c.user_id for c in await propose_mediators(s, referral)}:
        raise BadMediator()
    referral.mediator_id = mediator_id
    await s.flush()
    case = await s.get(Case, referral.case_id)
    assert case is not None
    await audit.record(
        s, actor, "referral.mediator_assigned", "referral", referral.id, {"mediator": mediator_id}
    )
    await notify(
        s,
        outbox,
        [mediator_id],
        "referral.assigned",
        N_("You were assigned case %(number)s"),
        f"/cases/{case.id}",
        number=case.number,
    )
    announce(outbox, referral, "referral.mediator_assigned", actor, case.number)
    return referral


async def lock(s: AsyncSession, referral: Referral) -> None:
    """Lock the referral's row and read it afresh: two extensions at once must each start from
    the other's due date, and a second assignment must know of the first."""
    await s.refresh(referral, with_for_update=True)


async def extend_mediation(
    s: AsyncSession,
    actor: audit.Actor,
    referral: Referral,
    days: int,
    reason: str,
    *,
    sides: set[states.Side],
    outbox: Outbox,
) -> Referral:
    if states.Side.receiver not in sides:
        raise WrongSide(side=gettext(N_("receiving")))
    await lock(s, referral)
    if (
        referral.state not in (states.State.accepted, states.State.in_mediation)
        or referral.accepted_at is None
    ):
        raise TransitionNotAllowed(state=label(referral.state), action=label("extend"))
    if not reason.strip():
        raise ReasonRequired()
    category = await s.scalar(select(Case.category).where(Case.id == referral.case_id))
    policy = await policy_for(s, referral.to_agency_id, category)  # labour disputes: no extension
    paused = await s.execute(
        select(ReferralPause.first_day, ReferralPause.last_day).where(
            ReferralPause.referral_id == referral.id
        )
    )
    pauses = [Pause(first, last) for first, last in paused.all()]  # a medical appraisal's days
    try:
        new_due = deadlines.extended_mediation_due(
            referral.accepted_at, referral.mediation_due or referral.accepted_at, days, policy, pauses
        )
    except deadlines.ExtensionRefused:
        raise ExtensionNotAllowed(days=policy.mediation_max_days) from None
    referral.mediation_due = new_due
    referral.extension_reason = reason.strip()[:500]
    await s.flush()
    s.add(
        ReferralEvent(
            referral_id=referral.id,
            action="extend",
            from_state=referral.state,
            to_state=referral.state,
            actor_user_id=actor.user_id,
            actor_agency_id=actor.agency_id,
            reason=reason.strip()[:500],
            data={"days": days, "due": new_due.isoformat()},
        )
    )
    await audit.record(
        s, actor, "referral.extended", "referral", referral.id, {"days": days, "reason": reason[:200]}
    )
    case = await s.get(Case, referral.case_id)
    assert case is not None
    announce(outbox, referral, "referral.extended", actor, case.number)
    return referral
