"""Referral use cases: propose a route, send, move through the states, assign a mediator, extend.

Every move writes a ``ReferralEvent`` and an audit row in the caller's transaction and adds live
notices to the ``Outbox`` (published after commit). State changes use compare-and-set
(``UPDATE ... WHERE state = old``), so two people acting at once cannot both succeed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from hub import audit
from hub.early_warnings import raise_warning
from hub.events import Outbox
from hub.i18n import N_, gettext
from hub.labels import label
from hub.models import Agency, AgencyKind, Area, Role
from hub.notifications import notify, people_with_role
from referrals import deadlines, rules, states
from referrals.errors import (
    AlreadyReferred,
    BadMediator,
    BadTarget,
    CaseSettled,
    ConsentMissing,
    NoRouteFound,
    ReasonRequired,
    StaleState,
    TransitionNotAllowed,
    UseTheCourtForm,
    WrongSide,
)
from referrals.models import Case, DeadlinePolicy, Referral, ReferralEvent, RoutingRule

RECEIVING_KINDS = frozenset(
    {
        AgencyKind.stationed_room,
        AgencyKind.mediation_committee,
        AgencyKind.specialised_body,
        AgencyKind.judicial_office,
        AgencyKind.justice_bureau,
    }
)


# --- routing --------------------------------------------------------------------------------------


def rule_spec(row: RoutingRule) -> rules.RuleSpec:
    return rules.RuleSpec(
        id=row.id,
        name=row.name,
        priority=row.priority,
        target_kind=row.target_kind,
        target_agency_id=row.target_agency_id,
        categories=tuple(row.categories),
        area_ids=tuple(row.area_ids),
        amount_min=row.amount_min,
        amount_max=row.amount_max,
        parties_min=row.parties_min,
        parties_max=row.parties_max,
        flags_all=tuple(row.flags_all),
        is_fallback=row.is_fallback,
        active=row.active,
    )


async def area_path(s: AsyncSession, area_id: int | None) -> tuple[int, ...]:
    path: list[int] = []
    while area_id is not None and area_id not in path:
        path.append(area_id)
        area_id = await s.scalar(select(Area.parent_id).where(Area.id == area_id))
    return tuple(path)


async def facts_of(s: AsyncSession, case: Case) -> rules.CaseFacts:
    return rules.CaseFacts(
        category=case.category,
        area_path=await area_path(s, case.area_id),
        amount=case.amount,
        party_count=case.party_count,
        flags=frozenset(case.flags),
    )


async def stationed_room_of(s: AsyncSession, agency_id: int) -> int | None:
    return await s.scalar(
        select(Agency.id).where(
            Agency.host_agency_id == agency_id,
            Agency.kind == AgencyKind.stationed_room,
            Agency.active.is_(True),
        )
    )


async def active_rules(s: AsyncSession) -> list[rules.RuleSpec]:
    return [
        rule_spec(r) for r in (await s.scalars(select(RoutingRule).where(RoutingRule.active.is_(True)))).all()
    ]


async def propose(s: AsyncSession, case: Case, sender_agency_id: int) -> rules.Decision:
    try:
        return rules.decide(
            await facts_of(s, case), await active_rules(s), await stationed_room_of(s, sender_agency_id)
        )
    except rules.NoRoute:
        raise NoRouteFound() from None


# --- deadlines ------------------------------------------------------------------------------------


async def policy_for(s: AsyncSession, agency_id: int) -> deadlines.Policy:
    kind = await s.scalar(select(Agency.kind).where(Agency.id == agency_id))
    row = await s.get(DeadlinePolicy, kind) if kind else None
    if row is None:
        return deadlines.DEFAULT
    return deadlines.Policy(
        accept_hours=row.accept_hours,
        mediation_days=row.mediation_days,
        mediation_max_days=row.mediation_max_days,
        confirmation_days=row.confirmation_days,
        followup_days=row.followup_days,
        soon_hours=row.soon_hours,
    )


# --- sending --------------------------------------------------------------------------------------


async def open_referral(s: AsyncSession, case_id: int) -> Referral | None:
    return await s.scalar(
        select(Referral).where(Referral.case_id == case_id, Referral.state.in_(list(states.OPEN)))
    )


async def send(
    s: AsyncSession,
    actor: audit.Actor,
    case: Case,
    *,
    sender_agency_id: int,
    now: datetime,
    outbox: Outbox,
    target_agency_id: int | None = None,
    override_reason: str = "",
    parent: Referral | None = None,
) -> Referral:
    """Refer the case to the proposed body, or to another one with a reason."""
    if not (case.consent_by and case.consent_at and case.consent_method):
        raise ConsentMissing()
    # The case's row is locked first: two sends at once (a double click, two liaisons) must not
    # both find nothing open and both refer it.
    await s.execute(select(Case.id).where(Case.id == case.id).with_for_update())
    if parent is None:
        if await open_referral(s, case.id) is not None:
            raise AlreadyReferred()
        last = await s.scalar(
            select(Referral.state).where(Referral.case_id == case.id).order_by(Referral.id.desc()).limit(1)
        )
        if not states.may_send_again(last):  # resolved, confirmed, closed: its course is run
            raise CaseSettled()
    decision = await propose(s, case, sender_agency_id)
    target = decision.target_agency_id
    explanation = decision.explanation()
    if target_agency_id is not None and target_agency_id != target:
        if not override_reason.strip():
            raise ReasonRequired(N_("Say why the case goes to another body than the proposed one."))
        target = target_agency_id
        explanation["overridden_from"] = decision.target_agency_id
    agency = await s.get(Agency, target)
    if (
        agency is None
        or agency.kind not in RECEIVING_KINDS
        or not agency.active
        or target == sender_agency_id
    ):
        raise BadTarget()
    policy = await policy_for(s, target)
    referral = Referral(
        case_id=case.id,
        parent_id=parent.id if parent else None,
        from_agency_id=sender_agency_id,
        to_agency_id=target,
        state=states.State.sent,
        rule_id=decision.rule.id if decision.rule.id > 0 else None,
        explanation=explanation,
        override_reason=override_reason.strip(),
        sent_by_id=actor.user_id,
        sent_at=now,
        accept_due=deadlines.acceptance_due(now, policy),
        state_changed_at=now,
    )
    s.add(referral)
    await s.flush()
    s.add(
        ReferralEvent(
            referral_id=referral.id,
            action="send",
            from_state="",
            to_state=states.State.sent,
            actor_user_id=actor.user_id,
            actor_agency_id=actor.agency_id,
            at=now,
            reason=override_reason.strip(),
            data={"rule": explanation.get("rule_name")},
        )
    )
    await audit.record(
        s,
        actor,
        "referral.sent",
        "referral",
        referral.id,
        {
            "case": case.number,
            "to": target,
            "rule": explanation.get("rule_name"),
            "override": override_reason.strip(),
        },
    )
    link = f"/cases/{case.id}"
    receivers = await people_with_role(s, [target], Role.liaison, Role.admin)
    await notify(
        s,
        outbox,
        receivers,
        "referral.received",
        N_("New referral %(number)s from %(sender)s"),
        link,
        number=case.number,
        sender=await _agency_name(s, sender_agency_id),
    )
    if case.group_dispute or case.violence_risk:
        await _alert_supervisors(s, outbox, case, [sender_agency_id, target], link, now)
    announce(outbox, referral, "referral.sent", actor, case.number)
    return referral


async def _alert_supervisors(
    s: AsyncSession, outbox: Outbox, case: Case, agency_ids: list[int], link: str, now: datetime
) -> None:
    """Group disputes and violence risk reach the supervisors above the agencies involved at once."""
    chain: set[int] = set()
    for agency_id in agency_ids:
        current: int | None = agency_id
        while current is not None and current not in chain:
            chain.add(current)
            current = await s.scalar(select(Agency.parent_id).where(Agency.id == current))
    supervisors = await people_with_role(s, chain, Role.supervisor)
    flags = ", ".join(case.flags)
    await notify(
        s,
        outbox,
        supervisors,
        "case.risk",
        N_("High-risk case %(number)s referred (%(flags)s)"),
        link,
        number=case.number,
        flags=flags,
    )
    kind = "group_dispute" if case.group_dispute else "escalation_risk"
    await raise_warning(
        s,
        key=f"{kind}:case:{case.id}",
        kind=kind,
        severity="critical",
        title=N_("High-risk case %(number)s referred (%(flags)s)"),
        agency_id=case.created_agency_id,
        case_id=case.id,
        area_id=case.area_id,
        link=link,
        now=now,
        number=case.number,
        flags=flags,
    )


async def _agency_name(s: AsyncSession, agency_id: int) -> str:
    return await s.scalar(select(Agency.name).where(Agency.id == agency_id)) or ""


def announce(outbox: Outbox, referral: Referral, kind: str, actor: audit.Actor, number: str) -> None:
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


# --- moves ----------------------------------------------------------------------------------------


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
        from referrals import agreements, followup_visits  # imported here: they build on this module

        # Visits that a race left unscheduled (the last party confirming while the referral was
        # being resolved) are scheduled now, and then they too must be done before closing.
        await agreements.after_resolve(s, actor, referral)
        await followup_visits.require_done(s, referral)
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
        from referrals import agreements  # imported here: it builds on this module

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
