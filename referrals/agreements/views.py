"""What the agreement, court and follow-up handlers share: loading the case, running one change in a
write transaction, recording a visit, the JSON shape of an agreement, reading browser forms."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date, datetime
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from hub import directory
from hub.events import Outbox
from hub.models import User
from hub.orm import utcnow
from hub.routing import Ctx
from referrals import committees
from referrals.agencies import policy_for
from referrals.agreements import agreements, court, terms, visits
from referrals.agreements.agreements import CaseAgreement
from referrals.agreements.schemas import (
    AgreementOut,
    AgreementPartyOut,
    ClockOut,
    FollowUpOut,
    TermOut,
    VisitIn,
)
from referrals.errors import AgreementMissing
from referrals.visibility import mask_id_number, mask_phone, works_on

T = TypeVar("T")
Op = Callable[[AsyncSession, CaseAgreement, Outbox], Awaitable[T]]


def today(ctx: Ctx) -> date:
    return utcnow().astimezone(ctx.config.zone).date()


async def read_case(ctx: Ctx, s: AsyncSession) -> CaseAgreement:
    return await agreements.open_case(s, ctx.must.scope, ctx.user.agency_id, ctx.match_int("id"))


async def change(ctx: Ctx, op: Op[Any]) -> AgreementOut:
    """Run one change on the case's agreement in a write transaction; the agreement as it is after."""
    async with ctx.write() as (s, outbox):
        ca = await agreements.open_case(
            s, ctx.must.scope, ctx.user.agency_id, ctx.match_int("id"), for_update=True
        )
        await op(s, ca, outbox)
        out = await agreement_out(s, ctx, ca)
    return out


async def agreement_out(s: AsyncSession, ctx: Ctx, ca: CaseAgreement) -> AgreementOut:
    agreement = ca.agreement
    if agreement is None or ca.referral is None:
        raise AgreementMissing()
    reveal = works_on(ctx.user, ca.case, ca.referral, ca.agreement.court_agency_id if ca.agreement else None)
    confirmations = {c.party_id: c for c in agreement.confirmations}
    names = await directory.names(s, User, {c.recorded_by_id for c in agreement.confirmations})
    parties = []
    for p in ca.case.parties:
        c = confirmations.get(p.id)
        parties.append(
            AgreementPartyOut(
                id=p.id,
                role=p.role,
                name=p.name,
                address=p.address,
                id_number=p.id_number if reveal else mask_id_number(p.id_number),
                phone=p.phone if reveal else mask_phone(p.phone),
                confirmed_at=c.confirmed_at if c else None,
                method=c.method if c else None,
                recorded_by=names.get(c.recorded_by_id or 0) if c else None,
            )
        )
    policy = await policy_for(s, ca.referral.to_agency_id)
    clock = court.confirmation_clock(agreement, today(ctx), policy)
    organisation = await committees.organisation_for(s, ca.referral.to_agency_id, agreement.committee_id)
    party_names = {p.id: p.name for p in ca.case.parties}
    return AgreementOut(
        id=agreement.id,
        case_id=ca.case.id,
        case_number=ca.case.number,
        referral_id=agreement.referral_id,
        referral_state=ca.referral.state,
        document_number=agreement.document_number,
        organisation=organisation.name,
        seal_line=organisation.seal_line,
        facts=agreement.facts,
        issues=agreement.issues,
        liabilities=agreement.liabilities,
        other_terms=agreement.other_terms,
        copies=agreements.copies_of(agreement, ca.case.parties),
        recorder=agreement.recorder,
        effective_date=agreement.effective_date,
        terms=[
            TermOut.model_validate(t).model_copy(update={"sentence": terms.sentence(t, party_names)})
            for t in agreement.terms
        ],
        parties=parties,
        locked=agreements.is_locked(agreement, ca.case.parties),
        editable=agreements.may_edit(ca),
        confirmation_clock=ClockOut(deadline=clock[0], days_left=clock[1], expired=clock[1] < 0)
        if clock
        else None,
        court_agency_id=agreement.court_agency_id,
        confirmation_applied_at=agreement.confirmation_applied_at,
        court_outcome=agreement.court_outcome,
        court_decided_at=agreement.court_decided_at,
        court_reference=agreement.court_reference,
    )


async def record_visit(ctx: Ctx, body: VisitIn) -> FollowUpOut:
    """Record the visit the URL names (the API and the follow-up page both post here)."""
    async with ctx.write() as (s, outbox):
        ca = await agreements.open_case(s, ctx.must.scope, ctx.user.agency_id, ctx.match_int("id"))
        row = await visits.record_visit(
            s,
            ctx.user.actor,
            ca,
            ctx.match_int("followup_id"),
            body.outcome,
            body.notes,
            visited_at=body.visited_at,
            now=utcnow(),
            outbox=outbox,
        )
        out = visits.out(row, today(ctx))
    return out


# --- browser forms --------------------------------------------------------------------------------


def local_time(value: str, ctx: Ctx) -> str | None:
    """A ``datetime-local`` field (the user's wall clock) as an aware ISO time; None when empty."""
    value = value.strip()
    if not value:
        return None
    try:
        return datetime.fromisoformat(value).replace(tzinfo=ctx.config.zone).isoformat()
    except ValueError:
        return value  # pydantic names the field and the problem
