"""Mediation agreements (调解协议书): writing them, the parties' confirmations, the 30-day clock.

- Only the receiving agency of the case's current referral writes the agreement, while that referral
  is in mediation or resolved; anyone who may see the case may read it.
- Each party's confirmation is recorded by the mediator (who, when, online or in person). Changing the
  text withdraws the confirmations given so far (they confirmed another text). Once every party has
  confirmed, the agreement is locked: ``AgreementLocked`` (409) for any further change.
- The agreement takes effect on the day (in China) the last party's confirmation is recorded
  (``effective_on``): nobody types it, and until every party has signed there is no effective date
  and no confirmation clock. A typed one is refused (``EffectiveDateNotTyped``).
- Its first save gives it the committee's next document number (``numbering.issue_number``,
  〔2026〕青调字第12号), which it keeps whatever is changed after.
- Follow-up visits are scheduled once the referral is resolved and every party has confirmed
  (``ensure_followups``; see ``followups`` for when), and the referral is closed only once they
  are made: ``EFFECTS``, which whoever moves a referral hands to ``moves.move``.

Judicial confirmation and its 30-day clock are in ``court``, the visits in ``visits``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from hub import audit
from hub.db import lock_row
from hub.events import Outbox
from hub.i18n import N_
from hub.labels import label
from hub.permissions import Scope
from referrals import committees, deadlines, moves, states, visit_notices
from referrals.agencies import policy_for
from referrals.agreements import followups, numbering
from referrals.agreements.numerals import cents
from referrals.agreements.schemas import AgreementIn
from referrals.agreements.terms import Kind
from referrals.errors import (
    RECEIVER_ONLY,
    AgreementIncomplete,
    AgreementLocked,
    AgreementMissing,
    AgreementNotConfirmed,
    AgreementNotEditable,
    AlreadyConfirmed,
    BadDate,
    BadParty,
    EffectiveDateNotTyped,
    FollowUpsPending,
    WrongSide,
)
from referrals.models import Agreement, AgreementTerm, Case, FollowUp, Party, PartyConfirmation, Referral
from referrals.states import Side, State
from referrals.visibility import get_visible_case, latest_referral

# While the agreement may be written and the parties' confirmations recorded.
WRITABLE = frozenset({State.in_mediation, State.resolved})
# Once resolved: follow-ups are due in these states.
AFTER_RESOLVE = frozenset(
    {
        State.resolved,
        State.confirmation_applied,
        State.confirmation_accepted,
        State.correction_requested,
        State.confirmed,
        State.confirmation_refused,
    }
)
FUTURE_SLACK_SECONDS = 300  # clocks differ a little; a confirmation "in five minutes" is a typo
ZONE = ZoneInfo("Asia/Shanghai")  # the law's days are China's, whatever zone a user reads in


@dataclass
class CaseAgreement:
    """A visible case, its current referral, its agreement and the sides the caller stands on."""

    case: Case
    referral: Referral | None
    agreement: Agreement | None
    sides: set[Side]

    @property
    def receiver(self) -> bool:
        return Side.receiver in self.sides

    @property
    def current(self) -> Agreement | None:
        """The agreement of the current referral (an older referral's stays as it was, and so does
        one the court refused once the mediation began again: superseded)."""
        if self.agreement is not None and self.referral is not None:
            if self.agreement.referral_id == self.referral.id and self.agreement.superseded_at is None:
                return self.agreement
        return None


async def open_case(
    s: AsyncSession, scope: Scope, agency_id: int | None, case_id: int, *, for_update: bool = False
) -> CaseAgreement:
    """Outsiders get 404 (``get_visible_case``)."""
    case = await get_visible_case(s, scope, case_id)
    if for_update:  # the case's row too: before the first agreement exists there is none to lock
        await lock_row(s, Case, case.id)
    referral = await latest_referral(s, case.id)
    query = select(Agreement).where(Agreement.case_id == case.id).order_by(Agreement.id.desc()).limit(1)
    agreement = await s.scalar(query.with_for_update() if for_update else query)
    sides = moves.side_of(referral, scope.agency_ids, agency_id) if referral else set()
    return CaseAgreement(case, referral, agreement, sides)


# --- pure rules -----------------------------------------------------------------------------------


def is_locked(agreement: Agreement | None, parties: list[Party]) -> bool:
    if agreement is None or not parties:
        return False
    confirmed = {c.party_id for c in agreement.confirmations}
    return all(p.id in confirmed for p in parties)


def is_complete(agreement: Agreement) -> bool:
    """Ready for the parties to confirm: the facts and at least one term."""
    return bool(agreement.facts.strip() and agreement.terms)


def effective_on(agreement: Agreement, parties: list[Party]) -> date | None:
    """The day in China the last party confirmed; None until every party has."""
    if not is_locked(agreement, parties):
        return None
    last = max(c.confirmed_at for c in agreement.confirmations if c.party_id in {p.id for p in parties})
    return last.astimezone(ZONE).date()


def copies_of(agreement: Agreement, parties: list[Party]) -> int:
    """一式N份: as written, or one for each party and one for the committee."""
    return agreement.copies or len(parties) + 1


def may_edit(ca: CaseAgreement) -> bool:
    return (
        ca.receiver
        and ca.referral is not None
        and ca.referral.state in WRITABLE
        and not is_locked(ca.current, ca.case.parties)
    )


def _require_writable(ca: CaseAgreement) -> Referral:
    if ca.referral is None or not ca.receiver:
        raise WrongSide(RECEIVER_ONLY)
    if ca.referral.state not in WRITABLE:
        raise AgreementNotEditable(state=label(ca.referral.state))
    return ca.referral


def _content(agreement: Agreement) -> tuple[Any, ...]:
    terms = tuple(
        (
            t.kind,
            t.obligor_party_id,
            t.obligee_party_id,
            t.description,
            t.amount,
            t.due_date,
            t.method,
            t.place,
            tuple((i["due"], i["amount"]) for i in t.instalments or ()),
        )
        for t in agreement.terms
    )
    return (
        agreement.facts,
        agreement.issues,
        agreement.liabilities,
        agreement.other_terms,
        agreement.copies,
        agreement.recorder,
        terms,
    )


def _announce(outbox: Outbox, ca: CaseAgreement, kind: str, actor: audit.Actor) -> None:
    assert ca.referral is not None
    for agency_id in {ca.referral.from_agency_id, ca.referral.to_agency_id}:
        outbox.add(f"agency:{agency_id}", kind, actor.user_id, case_id=ca.case.id, number=ca.case.number)


# --- writing and confirming -----------------------------------------------------------------------


async def save(
    s: AsyncSession,
    actor: audit.Actor,
    ca: CaseAgreement,
    data: AgreementIn,
    *,
    now: datetime,
    outbox: Outbox,
) -> Agreement:
    """Create or replace the agreement of the current referral (terms in the order given)."""
    referral = _require_writable(ca)
    agreement = ca.current
    if agreement is not None and is_locked(agreement, ca.case.parties):
        raise AgreementLocked()
    if data.effective_date is not None:
        raise EffectiveDateNotTyped()
    party_ids = {p.id for p in ca.case.parties}
    for term in data.terms:
        if term.obligor_party_id not in party_ids or term.obligee_party_id not in party_ids | {None}:
            raise BadParty()
        if term.obligee_party_id == term.obligor_party_id:
            raise BadParty()
    created = agreement is None
    if agreement is None:
        organisation = await committees.organisation_for(s, referral.to_agency_id)
        agreement = Agreement(
            case_id=ca.case.id,
            referral_id=referral.id,
            created_by_id=actor.user_id,
            created_at=now,
            committee_id=organisation.committee_id,
            document_number=await numbering.issue_number(s, organisation, now),
            terms=[],
            confirmations=[],
        )
        s.add(agreement)
        before = None
    else:
        before = _content(agreement)
    agreement.facts = data.facts
    agreement.issues = data.issues
    agreement.liabilities = data.liabilities
    agreement.other_terms = data.other_terms
    agreement.copies = data.copies
    agreement.recorder = data.recorder
    agreement.effective_date = None  # not locked here: it takes effect with the last confirmation
    agreement.terms = [
        AgreementTerm(
            position=i,
            kind=(t.kind or Kind.act).value,
            obligor_party_id=t.obligor_party_id,
            obligee_party_id=t.obligee_party_id,
            description=t.description,
            amount=t.amount,
            due_date=t.due_date,
            method=t.method,
            place=t.place,
            instalments=[{"due": i.due.isoformat(), "amount": str(cents(i.amount))} for i in t.instalments],
        )
        for i, t in enumerate(data.terms, start=1)
    ]
    withdrawn: list[int] = []
    if before is not None and before != _content(agreement) and agreement.confirmations:
        withdrawn = [c.party_id for c in agreement.confirmations]
        agreement.confirmations.clear()
    await s.flush()
    ca.agreement = agreement
    await audit.record(
        s,
        actor,
        "agreement.created" if created else "agreement.saved",
        "agreement",
        agreement.id,
        {
            "case": ca.case.number,
            "number": agreement.document_number,
            "terms": len(agreement.terms),
            "confirmations_withdrawn": withdrawn,
        },
    )
    _announce(outbox, ca, "agreement.saved", actor)
    return agreement


async def confirm_party(
    s: AsyncSession,
    actor: audit.Actor,
    ca: CaseAgreement,
    party_id: int,
    method: str,
    *,
    at: datetime | None,
    now: datetime,
    outbox: Outbox,
) -> Agreement:
    """Record that one party confirmed the agreement; the last one locks it."""
    _require_writable(ca)
    agreement = ca.current
    if agreement is None:
        raise AgreementMissing()
    party = next((p for p in ca.case.parties if p.id == party_id), None)
    if party is None:
        raise BadParty()
    if any(c.party_id == party_id for c in agreement.confirmations):
        raise AlreadyConfirmed(name=party.name)
    if not is_complete(agreement):
        raise AgreementIncomplete()
    at = at or now
    if (at - now).total_seconds() > FUTURE_SLACK_SECONDS:
        raise BadDate(N_("A confirmation cannot be recorded in the future."))
    agreement.confirmations.append(
        PartyConfirmation(party_id=party.id, confirmed_at=at, method=method, recorded_by_id=actor.user_id)
    )
    await s.flush()
    locked = is_locked(agreement, ca.case.parties)
    agreement.effective_date = effective_on(agreement, ca.case.parties)
    await audit.record(
        s,
        actor,
        "agreement.party_confirmed",
        "agreement",
        agreement.id,
        {
            "party": party.id,
            "name": party.name,
            "method": method,
            "at": at.isoformat(),
            "locked": locked,
            "effective": agreement.effective_date.isoformat() if agreement.effective_date else None,
        },
    )
    if locked:
        await ensure_followups(s, actor, ca)
    _announce(outbox, ca, "agreement.confirmed" if locked else "agreement.party_confirmed", actor)
    return agreement


async def ensure_followups(s: AsyncSession, actor: audit.Actor, ca: CaseAgreement) -> list[FollowUp]:
    """Schedule the visits once the referral is resolved and every party confirmed (once only)."""
    agreement, referral = ca.current, ca.referral
    if agreement is None or referral is None or referral.state not in AFTER_RESOLVE:
        return []
    if agreement.effective_date is None or not is_locked(agreement, ca.case.parties):
        return []
    if await s.scalar(select(FollowUp.id).where(FollowUp.agreement_id == agreement.id).limit(1)):
        return []
    policy = await policy_for(s, referral.to_agency_id)
    rows = await schedule_followups(s, actor, ca.case, agreement, referral.to_agency_id, policy)
    await visit_notices.tell_parties(s, ca.case, rows)  # SMS to the parties the day before each visit
    return rows


async def schedule_followups(
    s: AsyncSession,
    actor: audit.Actor,
    case: Case,
    agreement: Agreement,
    agency_id: int,
    policy: deadlines.Policy,
) -> list[FollowUp]:
    assert agreement.effective_date is not None
    visits = followups.schedule(
        [followups.TermDue(t.id, t.due_date) for t in agreement.terms], agreement.effective_date, policy
    )
    rows = [
        FollowUp(
            case_id=case.id, agreement_id=agreement.id, term_id=v.term_id, agency_id=agency_id, due_date=v.due
        )
        for v in visits
    ]
    s.add_all(rows)
    await s.flush()
    await audit.record(
        s,
        actor,
        "followups.scheduled",
        "agreement",
        agreement.id,
        {"case": case.number, "due": [v.due.isoformat() for v in visits]},
    )
    return rows


async def after_resolve(s: AsyncSession, actor: audit.Actor, referral: Referral) -> list[FollowUp]:
    """For whoever resolves a referral: schedule its agreement's follow-ups if they are due."""
    case = await s.get(Case, referral.case_id)
    assert case is not None
    query = (
        select(Agreement).where(Agreement.referral_id == referral.id).order_by(Agreement.id.desc()).limit(1)
    )
    # Locked and read afresh: a party confirming at this moment is seen, or waits for us.
    agreement = await s.scalar(query.with_for_update().execution_options(populate_existing=True))
    return await ensure_followups(s, actor, CaseAgreement(case, referral, agreement, {Side.receiver}))


async def resolve(
    s: AsyncSession, actor: audit.Actor, ca: CaseAgreement, *, now: datetime, outbox: Outbox
) -> Referral:
    """Conclude the mediation with the confirmed agreement: the referral is resolved."""
    referral = _require_writable(ca)
    if ca.current is None:
        raise AgreementMissing()
    if not is_locked(ca.current, ca.case.parties):
        raise AgreementNotConfirmed()
    await moves.move(
        s, actor, referral, moves.Move("resolve"), sides=ca.sides, now=now, outbox=outbox, effects=EFFECTS
    )
    await ensure_followups(s, actor, ca)
    return referral


async def pending_visits(s: AsyncSession, referral: Referral) -> int:
    """Follow-up visits of the referral's agreement still to be made."""
    query = (
        select(func.count(FollowUp.id))
        .join(Agreement, Agreement.id == FollowUp.agreement_id)
        .where(Agreement.referral_id == referral.id, FollowUp.done_at.is_(None))
    )
    return int(await s.scalar(query) or 0)


async def require_visits_done(s: AsyncSession, referral: Referral) -> None:
    """Refuse to close a referral while follow-up visits remain (for every path that closes one)."""
    count = await pending_visits(s, referral)
    if count:
        raise FollowUpsPending(count=count)


class AgreementEffects:
    """What agreements add to a referral's moves (``moves.Effects``)."""

    async def before(self, s: AsyncSession, actor: audit.Actor, referral: Referral, action: str) -> None:
        if action == states.Action.close:
            # Visits that a race left unscheduled (the last party confirming while the referral
            # was being resolved) are scheduled now, and then they too must be done before closing.
            await after_resolve(s, actor, referral)
            await require_visits_done(s, referral)

    async def after(self, s: AsyncSession, actor: audit.Actor, referral: Referral, action: str) -> None:
        if action == states.Action.resolve:
            await after_resolve(s, actor, referral)


EFFECTS = AgreementEffects()
