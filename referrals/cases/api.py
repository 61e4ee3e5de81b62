"""JSON API of cases: intake (one case, or a police system's batch), the case list and one case,
the route proposal and sending. What follows a referral once sent is ``referrals.cases.referral_api``."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from hub.errors import HubError
from hub.keys import LOCALE
from hub.models import Agency
from hub.orm import utcnow
from hub.outbound.contact import mask_email
from hub.permissions import Guard
from hub.routing import Ctx, Routes, validate
from referrals import sending
from referrals.cases import queue
from referrals.cases.batch import BatchItem, take_in_batch
from referrals.cases.intake import duplicate, submitted, take_in
from referrals.cases.referral_schemas import ReferralOut
from referrals.cases.schemas import (
    BatchIn,
    BatchItemOut,
    BatchOut,
    CaseIn,
    CaseListOut,
    CaseOut,
    CaseQuery,
    ConditionOut,
    ItemErrorOut,
    PartyOut,
    ProposalOut,
    SendIn,
)
from referrals.models import Case, Referral
from referrals.permissions import CasePermission
from referrals.routing import proposal
from referrals.visibility import (
    get_visible_case,
    latest_referral,
    mask_id_number,
    mask_phone,
    reveals_to,
)

routes = Routes()
TAGS = ("referrals",)


def case_out(case: Case, referral: Referral | None, *, reveal: bool) -> CaseOut:
    """Parties' ID numbers and phones are masked unless the viewer works the case."""
    parties = [
        PartyOut.model_validate(p).model_copy(
            update={
                "id_number": p.id_number if reveal else mask_id_number(p.id_number),
                "phone": p.phone if reveal else mask_phone(p.phone),
                "email": p.email if reveal else mask_email(p.email),
                # An overseer does not need a birth date either (it is in the ID number).
                "birth_date": p.birth_date if reveal else None,
            }
        )
        for p in case.parties
    ]
    return CaseOut.model_validate(
        {
            **{
                k: getattr(case, k)
                for k in (
                    "id",
                    "number",
                    "incident_no",
                    "channel",
                    "category",
                    "summary",
                    "area_id",
                    "address",
                    "amount",
                    "flags",
                    "consent_by",
                    "consent_at",
                    "consent_method",
                    "created_agency_id",
                    "created_at",
                )
            },
            "parties": parties,
            "state": referral.state if referral else None,
            "referral_id": referral.id if referral else None,
        }
    )


@routes.api(
    "POST",
    "/api/v1/cases",
    perm=CasePermission.take_in,
    summary="Take in a case (and refer it at once with refer: true)",
    body=CaseIn,
    response=CaseOut,
    status=201,
    tags=TAGS,
)
async def create_case(ctx: Ctx, body: CaseIn) -> CaseOut:
    data = body.to_input(ctx.request.headers.get("Idempotency-Key"))
    try:
        async with ctx.write() as (s, outbox):
            now = utcnow()
            case = await take_in(
                s, ctx.user.actor, ctx.user.agency_id, data, now, outbox, zone=ctx.config.time_zone
            )
            referral = None
            if body.refer:
                referral = await sending.send(
                    s,
                    ctx.user.actor,
                    case,
                    sender_agency_id=ctx.user.agency_id,
                    now=now,
                    outbox=outbox,
                    target_agency_id=body.target_agency_id,
                    override_reason=body.override_reason,
                )
            out = case_out(case, referral, reveal=True)
    except IntegrityError:
        # The same submission twice at the same moment (a client retrying): the first one made
        # the case, and the second hears so, as it would a moment later.
        async with ctx.db.read() as s:
            existing = await submitted(s, ctx.user.agency_id, data.idempotency_key)
        if existing is None:
            raise
        raise duplicate(existing) from None
    return out


@routes.api(
    "POST",
    "/api/v1/cases:batch",
    perm=CasePermission.take_in,
    summary="Take in and refer many cases at once, idempotent per incident number (警情号)",
    body=BatchIn,
    response=BatchOut,
    tags=TAGS,
)
async def create_cases(ctx: Ctx, body: BatchIn) -> BatchOut:
    items: list[BatchItem | HubError] = []
    for raw in body.items:
        try:
            case_in = validate(CaseIn, {"refer": True, **raw})
        except HubError as exc:
            items.append(exc)
            continue
        items.append(
            BatchItem(case_in.to_input(), case_in.refer, case_in.target_agency_id, case_in.override_reason)
        )
    async with ctx.write() as (s, outbox):
        results = await take_in_batch(
            s, ctx.user.actor, ctx.user.agency_id, items, utcnow(), outbox, zone=ctx.config.time_zone
        )
    locale = ctx.request.get(LOCALE)
    out = [
        BatchItemOut(
            index=r.index,
            incident_no=r.incident_no,
            status=r.status,
            case_id=r.case_id,
            number=r.number,
            referral_id=r.referral_id,
            state=r.state,
            error=None
            if r.error is None
            else ItemErrorOut(code=r.error.code, message=r.error.text(locale), details=r.error.details),
        )
        for r in results
    ]
    count = Counter(r.status for r in results)
    return BatchOut(items=out, created=count["created"], existing=count["existing"], failed=count["failed"])


@routes.api(
    "GET",
    "/api/v1/cases",
    perm=CasePermission.view_cases,
    summary="Cases your agency may see",
    query=CaseQuery,
    response=CaseListOut,
    tags=TAGS,
)
async def list_cases(ctx: Ctx, query: CaseQuery) -> CaseListOut:
    filters = queue.CaseFilters(
        state=query.state,
        category=query.category,
        q=query.q,
        overdue=bool(query.overdue),
        area_id=query.area_id,
        agency_id=query.agency_id,
    )
    async with ctx.db.read() as s:
        found = await queue.page(
            s, ctx.must.scope, utcnow(), filters, limit=query.limit, after=query.after, offset=query.offset
        )
        items = [case_out(case, ref, reveal=False) for case, ref in found.rows]
    return CaseListOut(items=items, total=found.total, total_capped=found.capped, next_after=found.next_after)


@routes.api(
    "GET",
    "/api/v1/cases/{id}",
    perm=CasePermission.view_cases,
    summary="One case",
    response=CaseOut,
    tags=TAGS,
)
async def get_case(ctx: Ctx) -> CaseOut:
    async with ctx.db.read() as s:
        case = await get_visible_case(s, ctx.must.scope, ctx.match_int("id"))
        referral = await latest_referral(s, case.id)
        return case_out(case, referral, reveal=await reveals_to(s, ctx.user, case, referral))


@routes.api(
    "GET",
    "/api/v1/cases/{id}/route",
    perm=CasePermission.take_in,
    summary="The proposed receiving body and why",
    response=ProposalOut,
    tags=TAGS,
)
async def propose_route(ctx: Ctx) -> ProposalOut:
    async with ctx.db.read() as s:
        case = await get_visible_case(s, ctx.must.scope, ctx.match_int("id"))
        ctx.must.check_agency(case.created_agency_id)
        decision = await proposal.propose(s, case, case.created_agency_id)
        name = await s.scalar(select(Agency.name).where(Agency.id == decision.target_agency_id)) or ""
    explanation = decision.explanation()
    return ProposalOut(
        target_agency_id=decision.target_agency_id,
        target_agency_name=name,
        rule_id=decision.rule.id,
        rule_name=decision.rule.name,
        fallback=decision.rule.is_fallback,
        conditions=[ConditionOut.model_validate(c) for c in explanation["conditions"]],
    )


@routes.api(
    "POST",
    "/api/v1/cases/{id}/referrals",
    perm=CasePermission.take_in,
    summary="Refer the case (to the proposed body, or another with a reason)",
    body=SendIn,
    response=ReferralOut,
    status=201,
    tags=TAGS,
)
async def send_referral(ctx: Ctx, body: SendIn) -> ReferralOut:
    async with ctx.write() as (s, outbox):
        locked = await _case_to_send(s, ctx.must, ctx.match_int("id"))
        referral = await sending.send(
            s,
            ctx.user.actor,
            locked,
            sender_agency_id=locked.case.created_agency_id,
            now=utcnow(),
            outbox=outbox,
            target_agency_id=body.target_agency_id,
            override_reason=body.override_reason,
        )
        out = ReferralOut.model_validate(referral)
    return out


async def _case_to_send(s: AsyncSession, guard: Guard, case_id: int) -> sending.LockedCase:
    """The case, locked and its parties counted, when the caller's scope covers the agency that
    took it in (so it may see it): read by id, without the visibility rule's subqueries.
    Otherwise the answer of ``get_visible_case`` and ``check_agency``: not found, or out of scope."""
    locked = await sending.read_locked(s, case_id)
    if locked is None or not guard.scope.covers(locked.case.created_agency_id):
        await get_visible_case(s, guard.scope, case_id, parties=False)  # 404 if it may not be seen
        guard.check_agency(locked.case.created_agency_id if locked is not None else None)
    assert locked is not None
    return locked
