"""Moving a referral through its states (``states``' transition table), as one side of it.

Every move writes a ``ReferralEvent`` and an audit row in the caller's transaction and adds live
notices to the ``Outbox`` (published after commit). State changes use compare-and-set
(``UPDATE ... WHERE state = old``), so two people acting at once cannot both succeed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from hub import audit
from hub.events import Outbox
from hub.i18n import N_, gettext
from hub.labels import label
from hub.models import Role
from hub.notifications import notify, people_with_role
from referrals import deadlines, states
from referrals.errors import (
    BadMediator,
    ReasonRequired,
    StaleState,
    TransitionNotAllowed,
    UseTheCourtForm,
    WrongSide,
)
from referrals.models import Case, Referral, ReferralEvent
from referrals.service import announce, policy_for, send


def side_of(
    referral: Referral, agency_ids: frozenset[int] | None, acting_agency_id: int | None
) -> set[states.Side]:
    """The sides an actor stands on: their own agency (or, for supervisors, any agency in scope)."""
    sides = set()
    candidates = {acting_agency_id} if agency_ids is None else agency_ids
    if referral.from_agency_id in candidates or agency_ids is None:
        sides.add(states.Side.sender)
    if referral.to_agency_id in candidates or agency_ids is None:
        sides.add(states.Side.receiver)
    return sides


@dataclass(frozen=True)
class Move:
    action: str
    reason: str = ""
    data: dict[str, Any] | None = None


async def plain_move(
    s: AsyncSession,
    actor: audit.Actor | None,
    referral: Referral,
    move_: Move,
    *,
    sides: set[states.Side],
    now: datetime,
    outbox: Outbox,
) -> Referral:
    """An action a person picked (a button, the API's actions endpoint): any but the court's
    steps, which have their own forms."""
    if move_.action in states.COURT_STEPS:
        raise UseTheCourtForm()
    return await move(s, actor, referral, move_, sides=sides, now=now, outbox=outbox)


async def move(
    s: AsyncSession,
    actor: audit.Actor | None,
    referral: Referral,
    move: Move,
    *,
    sides: set[states.Side],
    now: datetime,
    outbox: Outbox,
) -> Referral:
    """Apply one action of the state machine to a referral, as the given side."""
    actor = actor or audit.SYSTEM
    try:
        action = states.Action(move.action)
        new_state = states.apply(referral.state, action)
    except (ValueError, states.TransitionRefused):
        raise TransitionNotAllowed(state=label(referral.state), action=label(move.action)) from None
    rule = states.ACTIONS[action]
    if rule.side not in sides:
        side_word = {"sender": N_("sending"), "receiver": N_("receiving"), "system": N_("system")}[rule.side]
        raise WrongSide(side=gettext(side_word))
    if rule.needs_reason and not move.reason.strip():
        raise ReasonRequired()
    old_state = referral.state
    values: dict[str, Any] = {
        "state": new_state,
        "state_changed_at": now,
        "last_reason": move.reason.strip()[:500],
    }
    if action is states.Action.accept:
        values["accepted_at"] = now
        values["mediation_due"] = deadlines.mediation_due(now, await policy_for(s, referral.to_agency_id))
    elif action in (states.Action.resolve, states.Action.fail):
        values["decided_at"] = now
    elif action is states.Action.close:
        values["closed_at"] = now
    elif action is states.Action.start_mediation and referral.mediator_id is None:
        raise BadMediator(N_("Assign a mediator before starting the mediation."))
    if action is states.Action.close:
        from referrals.agreements import (
            agreements,
            visits,  # imported here: they build on this module
        )

        # Visits that a race left unscheduled (the last party confirming while the referral was
        # being resolved) are scheduled now, and then they too must be done before closing.
        await agreements.after_resolve(s, actor, referral)
        await visits.require_done(s, referral)
    result = await s.execute(
        update(Referral)
        .where(Referral.id == referral.id, Referral.state == old_state)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if getattr(result, "rowcount", 1) != 1:
        raise StaleState()
    for key, value in values.items():
        setattr(referral, key, value)
    s.add(
        ReferralEvent(
            referral_id=referral.id,
            action=action,
            from_state=old_state,
            to_state=new_state,
            actor_user_id=actor.user_id,
            actor_agency_id=actor.agency_id,
            at=now,
            reason=move.reason.strip()[:500],
            data=move.data or {},
        )
    )
    if action is states.Action.resolve:
        from referrals.agreements import agreements  # imported here: it builds on this module

        await agreements.after_resolve(s, actor, referral)
    case = await s.get(Case, referral.case_id)
    assert case is not None
    await audit.record(
        s,
        actor,
        f"referral.{action}",
        "referral",
        referral.id,
        {"from": old_state, "to": new_state, "reason": move.reason.strip()[:200]},
    )
    await _tell(s, outbox, referral, case, action)
    announce(outbox, referral, f"referral.{action}", actor, case.number)
    return referral


async def _tell(
    s: AsyncSession, outbox: Outbox, referral: Referral, case: Case, action: states.Action
) -> None:
    """Who hears of which move, in their inbox."""
    link = f"/cases/{case.id}"
    if action in (
        states.Action.decline,
        states.Action.expire,
        states.Action.fail,
        states.Action.accept,
        states.Action.resolve,
    ):
        people = await people_with_role(s, [referral.from_agency_id], Role.liaison)
        titles = {
            states.Action.decline: N_("Referral %(number)s was declined: %(reason)s"),
            states.Action.expire: N_("Referral %(number)s was not accepted in time and came back"),
            states.Action.fail: N_("Mediation of %(number)s failed: %(reason)s"),
            states.Action.accept: N_("Referral %(number)s was accepted"),
            states.Action.resolve: N_("Case %(number)s was resolved by agreement"),
        }
        await notify(
            s,
            outbox,
            people,
            f"referral.{action}",
            titles[action],
            link,
            number=case.number,
            reason=referral.last_reason,
        )
    if action is states.Action.withdraw:
        people = await people_with_role(s, [referral.to_agency_id], Role.liaison, Role.mediator)
        await notify(
            s,
            outbox,
            people,
            "referral.withdraw",
            N_("Referral %(number)s was withdrawn: %(reason)s"),
            link,
            number=case.number,
            reason=referral.last_reason,
        )


async def refer_onward(
    s: AsyncSession,
    actor: audit.Actor,
    referral: Referral,
    *,
    target_agency_id: int,
    reason: str,
    now: datetime,
    outbox: Outbox,
    sides: set[states.Side],
) -> Referral:
    """The receiving body passes the case on; the new referral keeps the chain through parent_id."""
    await move(
        s,
        actor,
        referral,
        Move(states.Action.refer_onward, reason, {"to": target_agency_id}),
        sides=sides,
        now=now,
        outbox=outbox,
    )
    case = await s.get(Case, referral.case_id)
    assert case is not None
    return await send(
        s,
        actor,
        case,
        sender_agency_id=referral.to_agency_id,
        now=now,
        outbox=outbox,
        target_agency_id=target_agency_id,
        override_reason=reason,
        parent=referral,
    )
