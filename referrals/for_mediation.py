"""What video mediation (the rtc package) may ask of referrals: published service functions that
hand out plain dataclasses, never the referrals tables.

- ``case_for_mediation``: the case, its open referral, parties and evidence, as a viewer sees them;
- ``identity_matches``: the door check (last four characters of a party's ID number), without the
  ID number ever leaving this package;
- ``party_phones``: the parties' mobile numbers on file, for their invitation and reminders by SMS;
- ``party_emails``: the parties' e-mail addresses on file, for their invitation by e-mail;
- ``evidence_for_room``: the stored file of a piece of evidence that a mediator shows in a session;
- ``cases_in_mediation``: cases whose referral is at a given stage, for the demo's sessions;
- ``awaiting_mediation``: the cases a scope may schedule a session for (the picker of
  ``/mediations/new``), the viewer's own first;
- ``mediation_started`` / ``mediation_ended``: the session's effect on the referral;
- ``agreement_summary``: the terms agreed, for the minutes.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import case as sql_case
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub import audit
from hub.config import Config
from hub.errors import NotFound
from hub.events import Outbox
from hub.permissions import Scope
from referrals import moves, states
from referrals.agreements import terms
from referrals.evidence import records
from referrals.models import Agreement, Case, Evidence, Party, Referral
from referrals.visibility import get_visible_case, latest_referral


@dataclass(frozen=True)
class PartyInfo:
    party_id: int
    role: str  # applicant, respondent, third_party
    name: str
    has_id_number: bool


@dataclass(frozen=True)
class EvidenceInfo:
    evidence_id: int
    name: str
    kind: str  # photo, audio, video, document
    media_type: str


@dataclass(frozen=True)
class CaseInfo:
    case_id: int
    number: str
    category: str
    summary: str
    referral_id: int | None
    referral_state: str
    mediating_agency_id: int | None
    mediator_id: int | None
    parties: tuple[PartyInfo, ...]
    evidence: tuple[EvidenceInfo, ...]

    @property
    def may_mediate(self) -> bool:
        return self.referral_state in (states.State.accepted, states.State.in_mediation)


async def case_for_mediation(s: AsyncSession, scope: Scope, case_id: int) -> CaseInfo:
    """The case as this scope sees it (404 for outsiders)."""
    case = await get_visible_case(s, scope, case_id)
    referral = await latest_referral(s, case.id)
    rows = (await s.scalars(select(Evidence).where(Evidence.case_id == case.id).order_by(Evidence.id))).all()
    return CaseInfo(
        case_id=case.id,
        number=case.number,
        category=case.category,
        summary=case.summary,
        referral_id=referral.id if referral else None,
        referral_state=referral.state if referral else "",
        mediating_agency_id=referral.to_agency_id if referral else None,
        mediator_id=referral.mediator_id if referral else None,
        parties=tuple(PartyInfo(p.id, p.role, p.name, bool(p.id_number)) for p in case.parties),
        evidence=tuple(EvidenceInfo(e.id, records.download_name(e), e.kind, e.media_type) for e in rows),
    )


async def identity_matches(s: AsyncSession, party_id: int, last4: str) -> bool:
    """Does ``last4`` match the last four characters of the party's ID number on file?"""
    party = await s.get(Party, party_id)
    if party is None or len(party.id_number) < 4:
        return False
    expected = party.id_number[-4:].upper().encode()
    return hmac.compare_digest(expected, last4.strip().upper().encode())


async def party_phones(s: AsyncSession, party_ids: Iterable[int]) -> dict[int, str]:
    """The phone number on file of each of these parties that has one (as entered)."""
    wanted = list(party_ids)
    if not wanted:
        return {}
    rows = (await s.execute(select(Party.id, Party.phone).where(Party.id.in_(wanted)))).all()
    return {row.id: row.phone for row in rows if row.phone.strip()}


async def party_emails(s: AsyncSession, party_ids: Iterable[int]) -> dict[int, str]:
    """The e-mail address on file of each of these parties that has one."""
    wanted = list(party_ids)
    if not wanted:
        return {}
    rows = (await s.execute(select(Party.id, Party.email).where(Party.id.in_(wanted)))).all()
    return {row.id: row.email.strip() for row in rows if row.email.strip()}


async def evidence_for_room(
    s: AsyncSession, config: Config, case_id: int, evidence_id: int
) -> tuple[Path, EvidenceInfo]:
    row = await s.get(Evidence, evidence_id)
    if row is None or row.case_id != case_id:
        raise NotFound()
    path = await records.stored_file(records.store_for(config), row)
    return path, EvidenceInfo(row.id, records.download_name(row), row.kind, row.media_type)


async def mediation_started(
    s: AsyncSession,
    actor: audit.Actor,
    referral_id: int,
    *,
    now: datetime,
    outbox: Outbox,
    via: str = "video_session",
) -> bool:
    """An accepted referral whose mediator opens a session is now in mediation. True if it moved.
    ``via``: how, for the referral's event (``video_session``, ``in_person_session``)."""
    referral = await s.get(Referral, referral_id)
    if referral is None or referral.state != states.State.accepted or referral.mediator_id is None:
        return False
    await moves.move(
        s,
        actor,
        referral,
        moves.Move(states.Action.start_mediation, data={"via": via}),
        sides={states.Side.receiver},
        now=now,
        outbox=outbox,
    )
    return True


async def mediation_ended(
    s: AsyncSession,
    actor: audit.Actor,
    referral_id: int,
    *,
    outcome: str,
    note: str,
    now: datetime,
    outbox: Outbox,
) -> bool:
    """A session that ended without agreement fails the mediation (the mediator said so); an
    agreement is written with the agreement builder, which resolves the referral. True if moved."""
    referral = await s.get(Referral, referral_id)
    if outcome != "not_agreed" or referral is None or referral.state != states.State.in_mediation:
        return False
    await moves.move(
        s,
        actor,
        referral,
        moves.Move(states.Action.fail, reason=note or "video mediation ended without agreement"),
        sides={states.Side.receiver},
        now=now,
        outbox=outbox,
    )
    return True


async def cases_in_mediation(
    s: AsyncSession, states_: Iterable[str], *, agreed: bool = False, limit: int = 1
) -> list[int]:
    """Cases whose referral is in one of ``states_`` with a mediator assigned (and, when ``agreed``,
    an agreement), the earliest referral first: what the demo builds its sessions on."""
    query = select(Referral.case_id).where(
        Referral.state.in_(list(states_)), Referral.mediator_id.isnot(None)
    )
    if agreed:
        query = query.join(Agreement, Agreement.referral_id == Referral.id)
    return list((await s.scalars(query.order_by(Referral.id).limit(limit))).all())


@dataclass(frozen=True)
class CaseChoice:
    case_id: int
    number: str
    summary: str
    state: str
    yours: bool  # the viewer is the referral's mediator


async def awaiting_mediation(
    s: AsyncSession, scope: Scope, user_id: int, *, limit: int = 100
) -> list[CaseChoice]:
    """Cases accepted by (or in mediation at) a body in the scope: those assigned to the viewer as
    mediator first, then the others, the longest waiting first."""
    query = (
        select(Referral, Case)
        .join(Case, Case.id == Referral.case_id)
        .where(Referral.state.in_([states.State.accepted, states.State.in_mediation]))
    )
    if scope.agency_ids is not None:
        query = query.where(Referral.to_agency_id.in_(scope.agency_ids))
    mine = sql_case((Referral.mediator_id == user_id, 0), else_=1)  # NULL mediators sort last too
    rows = (await s.execute(query.order_by(mine, Referral.state_changed_at, Referral.id).limit(limit))).all()
    return [
        CaseChoice(case.id, case.number, case.summary[:80], referral.state, referral.mediator_id == user_id)
        for referral, case in rows
    ]


@dataclass(frozen=True)
class AgreementSummary:
    agreement_id: int
    facts: str
    terms: tuple[str, ...]
    effective_date: str


async def agreement_summary(s: AsyncSession, case_id: int) -> AgreementSummary | None:
    agreement = await s.scalar(
        select(Agreement).where(Agreement.case_id == case_id).order_by(Agreement.id.desc()).limit(1)
    )
    if agreement is None:
        return None
    names = {p.id: p.name for p in (await s.scalars(select(Party).where(Party.case_id == case_id))).all()}
    # The terms as the agreement itself words them (人民调解协议书), so the 笔录 quotes the same text.
    lines = [terms.sentence(term, names) for term in agreement.terms]
    return AgreementSummary(
        agreement.id,
        agreement.facts,
        tuple(lines),
        agreement.effective_date.isoformat() if agreement.effective_date else "",
    )
