"""Referral use cases: propose a route and send (moves through the states are ``moves``).

A send writes its ``ReferralEvent`` and audit row in the caller's transaction and adds live
notices to the ``Outbox`` (published after commit).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub import audit
from hub.db import lock_row
from hub.early_warnings import raise_warning
from hub.events import Outbox
from hub.i18n import N_
from hub.models import Agency, AgencyKind, Area, Role
from hub.notifications import notify, people_with_role
from referrals import deadlines, states
from referrals.errors import (
    AlreadyReferred,
    BadTarget,
    CaseSettled,
    ConsentMissing,
    NoRouteFound,
    ReasonRequired,
)
from referrals.models import Case, DeadlinePolicy, Referral, ReferralEvent, RoutingRule
from referrals.routing import rules

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


def path_in(parents: Mapping[int, int | None], area_id: int | None) -> tuple[int, ...]:
    """``area_path`` from a map of area -> parent already read (for many cases at once)."""
    path: list[int] = []
    while area_id is not None and area_id not in path:
        path.append(area_id)
        area_id = parents.get(area_id)
    return tuple(path)


def case_facts(case: Case, path: tuple[int, ...]) -> rules.CaseFacts:
    return rules.CaseFacts(
        category=case.category,
        area_path=path,
        amount=case.amount,
        party_count=case.party_count,
        flags=frozenset(case.flags),
    )


async def facts_of(s: AsyncSession, case: Case) -> rules.CaseFacts:
    return case_facts(case, await area_path(s, case.area_id))


async def stationed_room_of(s: AsyncSession, agency_id: int) -> int | None:
    return (await stationed_rooms(s, [agency_id])).get(agency_id)


async def stationed_rooms(s: AsyncSession, agency_ids: Iterable[int]) -> dict[int, int]:
    """Police station -> its active stationed mediation room."""
    rows = await s.execute(
        select(Agency.host_agency_id, Agency.id).where(
            Agency.host_agency_id.in_(list(set(agency_ids))),
            Agency.kind == AgencyKind.stationed_room,
            Agency.active.is_(True),
        )
    )
    return {host: room for host, room in rows.all() if host is not None}


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
    await lock_row(s, Case, case.id)
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
