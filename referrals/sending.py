"""Sending a case to the body that should mediate it, and passing it on from there (onward).

``send`` checks what only sending needs (consent, nothing open, a case whose course is not run,
the route or an override with its reason, a body that may receive it), writes the referral, and
moves it from ``states.UNSENT`` to ``sent`` with ``moves.move``, like every other move: the
event, the audit row and the notices. High-risk cases also reach the supervisors above. A grid
worker's report may go to the worker's own village committee: the committee takes up what its
grid found (``referrals.grid``), so there sender and receiver are one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, func, inspect, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import raiseload

from hub import audit
from hub.db import lock_row
from hub.directory import AgencyFacts, agency_facts, overseers
from hub.early_warnings import raise_warning
from hub.events import Outbox
from hub.i18n import N_
from hub.models import Agency, AgencyKind, Role
from hub.notifications import notify, people_with_role
from referrals import deadlines, moves, states
from referrals.agencies import RECEIVING_KINDS, police_stations_for, policy_for
from referrals.codes import Channel
from referrals.errors import (
    AlreadyReferred,
    BadTarget,
    CaseSettled,
    ConsentMissing,
    PartyRefusedMediation,
    ReasonRequired,
)
from referrals.models import Case, Party, Referral
from referrals.routing import proposal

_PARTIES_OF_CASE = Party.case_id == Case.id
_COUNTS = (
    select(func.count(Party.id)).where(_PARTIES_OF_CASE).scalar_subquery(),
    select(func.count(Party.id)).where(_PARTIES_OF_CASE, Party.consent == "refused").scalar_subquery(),
)
_LOCK_COUNTING = select(*_COUNTS).where(Case.id == bindparam("case_id")).with_for_update(of=Case)
_READ_LOCKED = (
    select(Case, *_COUNTS)
    .where(Case.id == bindparam("case_id"))
    .with_for_update(of=Case)
    .options(raiseload(Case.parties))
)


@dataclass(frozen=True)
class LockedCase:
    """A case read with its row locked to the end of the transaction and its parties counted, in
    one statement (``read_locked``): what ``send`` would otherwise lock and count itself."""

    case: Case
    parties: int
    refused: int  # parties refusing mediation


async def read_locked(s: AsyncSession, case_id: int) -> LockedCase | None:
    """The case about to be sent, read and locked at once: one round trip fewer per send than a
    read, then ``lock_counting_parties``. (The lock is taken before the caller checks that the
    case is theirs to send; one that is not lets it go with the transaction.)"""
    row = (await s.execute(_READ_LOCKED, {"case_id": case_id})).one_or_none()
    return None if row is None else LockedCase(row[0], int(row[1]), int(row[2]))


async def referral_states(s: AsyncSession, case_id: int) -> list[str]:
    """The states of the case's referrals, the latest first (a case has a handful): one query
    answers both "is one open?" and "may it be sent again?"."""
    rows = await s.scalars(
        select(Referral.state).where(Referral.case_id == case_id).order_by(Referral.id.desc())
    )
    return list(rows.all())


async def lock_counting_parties(s: AsyncSession, case: Case) -> tuple[int, int]:
    """Lock the case's row to the end of the transaction (``hub.db.lock_row``) and count its
    parties and those refusing mediation: by the database in the same statement, unless they are
    loaded already."""
    if "parties" not in inspect(case).unloaded:
        await lock_row(s, Case, case.id)
        return len(case.parties), sum(p.consent == "refused" for p in case.parties)
    row = (await s.execute(_LOCK_COUNTING, {"case_id": case.id})).one()
    return int(row[0]), int(row[1])


async def send(
    s: AsyncSession,
    actor: audit.Actor,
    case: Case | LockedCase,
    *,
    sender_agency_id: int,
    now: datetime,
    outbox: Outbox,
    target_agency_id: int | None = None,
    override_reason: str = "",
    parent: Referral | None = None,
) -> Referral:
    """Refer the case to the proposed body, or to another one with a reason."""
    # The case's row is locked first: two sends at once (a double click, two liaisons) must not
    # both find nothing open and both refer it.
    if isinstance(case, LockedCase):
        parties, refused = case.parties, case.refused
        case = case.case
    else:
        parties, refused = await lock_counting_parties(s, case)
    if not (case.consent_by and case.consent_at and case.consent_method):
        raise ConsentMissing()
    if refused:  # People's Mediation Law art. 17
        raise PartyRefusedMediation()
    if parent is None:
        sent = await referral_states(s, case.id)
        if any(state in states.OPEN for state in sent):
            raise AlreadyReferred()
        if not states.may_send_again(sent[0] if sent else None):  # resolved, confirmed, closed
            raise CaseSettled()
    decision = await proposal.propose(s, case, sender_agency_id, party_count=parties)
    target = decision.target_agency_id
    explanation = decision.explanation()
    if target_agency_id is not None and target_agency_id != target:
        if not override_reason.strip():
            raise ReasonRequired(N_("Say why the case goes to another body than the proposed one."))
        target = target_agency_id
        explanation["overridden_from"] = decision.target_agency_id
    agency = (await agency_facts(s)).get(target)
    if (
        agency is None
        or agency.kind not in RECEIVING_KINDS
        or not agency.active
        or (target == sender_agency_id and case.channel != Channel.grid_report)
    ):
        raise BadTarget()
    policy = await policy_for(s, target)
    referral = Referral(
        case_id=case.id,
        parent_id=parent.id if parent else None,
        from_agency_id=sender_agency_id,
        to_agency_id=target,
        state=states.UNSENT,
        rule_id=decision.rule.id if decision.rule.id > 0 else None,
        explanation=explanation,
        override_reason=override_reason.strip(),
        sent_by_id=actor.user_id,
        sent_at=now,
        accept_due=deadlines.acceptance_due(now, policy),
        state_changed_at=now,
    )
    # The first move writes the referral in its new state; its event, audit row and notices are
    # written as for every other move.
    rule = explanation.get("rule_name")
    await moves.move(
        s,
        actor,
        referral,
        moves.Move(
            states.Action.send,
            override_reason,
            data={"rule": rule},
            audit={"case": case.number, "agency": target, "rule": rule},
        ),
        sides={states.Side.sender},
        now=now,
        outbox=outbox,
        case=case,
        new=True,
    )
    if case.group_dispute or case.violence_risk:
        await _alert_supervisors(s, outbox, case, [sender_agency_id, target], f"/cases/{case.id}", now)
    if case.group_dispute:
        await _tell_bureau_and_station(s, outbox, case, sender_agency_id, agency)
    return referral


async def _tell_bureau_and_station(
    s: AsyncSession, outbox: Outbox, case: Case, sender_agency_id: int, target: AgencyFacts
) -> None:
    """A group dispute goes to the body of its field; the justice bureau, which coordinates group
    disputes, and the police station of the place (which keeps order there) are told at once."""
    bureaus = (
        await s.scalars(
            select(Agency.id).where(Agency.kind == AgencyKind.justice_bureau, Agency.active.is_(True))
        )
    ).all()
    stations = await police_stations_for(s, sender_agency_id, await proposal.area_path(s, case.area_id))
    people = await people_with_role(s, [*bureaus, *stations], Role.liaison, Role.admin)
    await notify(
        s,
        outbox,
        people,
        "case.group_dispute",
        N_("Group dispute %(number)s referred to %(agency)s"),
        f"/cases/{case.id}",
        number=case.number,
        agency=target.name,
    )


async def _alert_supervisors(
    s: AsyncSession, outbox: Outbox, case: Case, agency_ids: list[int], link: str, now: datetime
) -> None:
    """Group disputes and violence risk reach the supervisors above the agencies involved at once."""
    supervisors = await overseers(s, agency_ids, Role.supervisor)
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
    await moves.move(
        s,
        actor,
        referral,
        moves.Move(states.Action.refer_onward, reason, {"to": target_agency_id}),
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
