"""Moving a referral through its states (``states``' transition table), as one side of it.

Every move writes a ``ReferralEvent`` and an audit row in the caller's transaction and adds live
notices to the ``Outbox`` (published after commit). State changes use compare-and-set
(``UPDATE ... WHERE state = old``), so two people acting at once cannot both succeed.

What a capability built on referrals adds to a move (the agreements: closing waits for the
follow-up visits, resolving schedules them) comes in as ``Effects`` from the caller: this module
knows nothing above it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, cast

from sqlalchemy import Table, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from hub import audit
from hub.directory import agency_facts
from hub.events import Outbox
from hub.i18n import N_, gettext
from hub.labels import label
from hub.models import Role
from hub.notifications import notify, people_with_role
from referrals import case_index, deadlines, messages, states
from referrals.agencies import policy_for
from referrals.errors import BadMediator, ReasonRequired, StaleState, TransitionNotAllowed, WrongSide
from referrals.models import Case, Referral, ReferralEvent

_EVENTS = cast(Table, ReferralEvent.__table__)


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
    data: dict[str, Any] | None = None  # kept with the referral's event
    audit: dict[str, Any] | None = None  # more facts for the audit row


class Effects(Protocol):
    """What another capability adds to a move, in the move's transaction."""

    async def before(self, s: AsyncSession, actor: audit.Actor, referral: Referral, action: str) -> None:
        """After the move is found allowed, before the referral changes (may refuse it)."""

    async def after(self, s: AsyncSession, actor: audit.Actor, referral: Referral, action: str) -> None:
        """After the referral changed and its event was written, before the audit row."""


def check(referral: Referral, move: Move, sides: set[states.Side]) -> states.State:
    """The state the move leads to, or the error that refuses it (the state, the side, the reason)."""
    try:
        new_state = states.apply(referral.state, states.Action(move.action))
    except (ValueError, states.TransitionRefused):
        raise TransitionNotAllowed(state=label(referral.state), action=label(move.action)) from None
    rule = states.ACTIONS[states.Action(move.action)]
    if rule.side not in sides:
        side_word = {
            "sender": N_("sending"),
            "receiver": N_("receiving"),
            "court": N_("court"),
            "system": N_("system"),
        }[rule.side]
        raise WrongSide(side=gettext(side_word))
    if rule.needs_reason and not move.reason.strip():
        raise ReasonRequired()
    return new_state


async def move(
    s: AsyncSession,
    actor: audit.Actor | None,
    referral: Referral,
    move: Move,
    *,
    sides: set[states.Side],
    now: datetime,
    outbox: Outbox,
    effects: Effects | None = None,
    case: Case | None = None,
    new: bool = False,
) -> Referral:
    """Apply one action of the state machine to a referral, as the given side. ``case``: the
    referral's case, when the caller holds it already (else it is read). ``new``: the referral is
    not written yet (a send): it is inserted in the state the move leads to, and no other
    transaction can have moved it first."""
    actor = actor or audit.SYSTEM
    new_state = check(referral, move, sides)
    action = states.Action(move.action)
    old_state = referral.state
    values: dict[str, Any] = {"state": new_state, "state_changed_at": now}
    if action is not states.Action.send:  # a send's reason is the override's (override_reason)
        values["last_reason"] = move.reason.strip()[:500]
    if action is states.Action.accept:
        values["accepted_at"] = now
        # The law's own period for labour and medical disputes, else the receiving body's policy.
        category = await s.scalar(select(Case.category).where(Case.id == referral.case_id))
        policy = await policy_for(s, referral.to_agency_id, category)
        values["mediation_due"] = deadlines.mediation_due(now, policy)
    elif action is states.Action.reopen_mediation:
        # Mediating again after the court refused: the mediation's own period starts afresh.
        category = await s.scalar(select(Case.category).where(Case.id == referral.case_id))
        policy = await policy_for(s, referral.to_agency_id, category)
        values["mediation_due"] = deadlines.mediation_due(now, policy)
        values["escalated_at"] = None
    elif action in (states.Action.resolve, states.Action.fail):
        values["decided_at"] = now
    elif action is states.Action.close:
        values["closed_at"] = now
    elif action is states.Action.start_mediation and referral.mediator_id is None:
        raise BadMediator(N_("Assign a mediator before starting the mediation."))
    if effects is not None:
        await effects.before(s, actor, referral, action)
    if new:
        for key, value in values.items():
            setattr(referral, key, value)
        s.add(referral)
        await s.flush()
    else:
        result = await s.execute(
            update(Referral)
            .where(Referral.id == referral.id, Referral.state == old_state)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        if getattr(result, "rowcount", 1) != 1:
            raise StaleState()
        for key, value in values.items():  # written already: the object learns them, no second UPDATE
            set_committed_value(referral, key, value)
    await case_index.follow(s, referral, sent=action is states.Action.send)
    await s.execute(  # through Core: nothing reads the event back as an object in the transaction
        insert(_EVENTS),
        [
            {
                "referral_id": referral.id,
                "action": str(action),
                "from_state": str(old_state),
                "to_state": str(new_state),
                "actor_user_id": actor.user_id,
                "actor_agency_id": actor.agency_id,
                "at": now,
                "reason": move.reason.strip()[:500],
                "data": move.data or {},
            }
        ],
    )
    if effects is not None:
        await effects.after(s, actor, referral, action)
    if case is None or case.id != referral.case_id:
        case = await s.get(Case, referral.case_id)
        assert case is not None
    kind = states.kind_of(action)
    await audit.record(
        s,
        actor,
        kind,
        "referral",
        referral.id,
        {"from": old_state, "to": new_state, "reason": move.reason.strip()[:200], **(move.audit or {})},
    )
    await _tell(s, outbox, referral, case, action)
    await messages.after_move(s, referral, case, action, now=now, outbox=outbox)  # SMS, e-mail, webhooks
    announce(outbox, referral, kind, actor, case.number)
    return referral


async def _tell(
    s: AsyncSession, outbox: Outbox, referral: Referral, case: Case, action: states.Action
) -> None:
    """Who hears of which move, in their inbox."""
    link = f"/cases/{case.id}"
    if action is states.Action.send:
        people = await people_with_role(s, [referral.to_agency_id], Role.liaison, Role.admin)
        sender_facts = (await agency_facts(s)).get(referral.from_agency_id)
        sender = sender_facts.name if sender_facts else ""
        await notify(
            s,
            outbox,
            people,
            "referral.received",
            N_("New referral %(number)s from %(sender)s"),
            link,
            number=case.number,
            sender=sender or "",
        )
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


def announce(outbox: Outbox, referral: Referral, kind: str, actor: audit.Actor, number: str) -> None:
    """The live notice of a change to both agencies of the referral."""
    for agency_id in {referral.from_agency_id, referral.to_agency_id}:
        outbox.add(
            f"agency:{agency_id}",
            kind,
            actor.user_id,
            referral_id=referral.id,
            case_id=referral.case_id,
            number=number,
            state=referral.state,
        )
