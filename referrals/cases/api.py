"""JSON API of referrals: intake, route proposal, sending, moves, mediators, lists."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from hub.errors import HubError
from hub.keys import LOCALE
from hub.models import Agency
from hub.orm import utcnow
from hub.outbound.contact import mask_email
from hub.permissions import Guard
from hub.routing import Ctx, Routes, validate
from hub.schemas import Page
from referrals import moves, sending
from referrals.cases import actions, queue
from referrals.cases.batch import BatchItem, take_in_batch
from referrals.cases.intake import duplicate, submitted, take_in
from referrals.cases.schemas import (
    ActionIn,
    AssignIn,
    BatchIn,
    BatchItemOut,
    BatchOut,
    CaseIn,
    CaseListOut,
    CaseOut,
    CaseQuery,
    ConditionOut,
    EventOut,
    ExtendIn,
    ItemErrorOut,
    MediatorOut,
    PartyOut,
    ProposalOut,
    ReferralOut,
    SendIn,
)
from referrals.mediators import assign_mediator, extend_mediation, propose_mediators
from referrals.models import Case, Referral, ReferralEvent
from referrals.permissions import CasePermission
from referrals.routing import proposal
from referrals.visibility import (
    get_visible_case,
    get_visible_referral,
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


@routes.api(
    "GET",
    "/api/v1/referrals",
    perm=CasePermission.view_cases,
    summary="Referrals to or from your agencies",
    query=CaseQuery,
    response=Page[ReferralOut],
    tags=TAGS,
)
async def list_referrals(ctx: Ctx, query: CaseQuery) -> Page[ReferralOut]:
    scope = ctx.must.scope
    stmt = select(Referral)
    if scope.agency_ids is not None:
        ids = list(scope.agency_ids)
        stmt = stmt.where(or_(Referral.to_agency_id.in_(ids), Referral.from_agency_id.in_(ids)))
    if query.state:
        stmt = stmt.where(Referral.state == query.state)
    async with ctx.db.read() as s:
        total = await s.scalar(select(func.count()).select_from(stmt.subquery())) or 0
        rows = (
            await s.scalars(stmt.order_by(Referral.id.desc()).limit(query.limit).offset(query.offset))
        ).all()
        items = [ReferralOut.model_validate(r) for r in rows]
    return Page[ReferralOut](items=items, total=total)


@routes.api(
    "GET",
    "/api/v1/referrals/{id}",
    perm=CasePermission.view_cases,
    summary="One referral",
    response=ReferralOut,
    tags=TAGS,
)
async def get_referral(ctx: Ctx) -> ReferralOut:
    async with ctx.db.read() as s:
        return ReferralOut.model_validate(await get_visible_referral(s, ctx.must.scope, ctx.match_int("id")))


@routes.api(
    "GET",
    "/api/v1/referrals/{id}/events",
    perm=CasePermission.view_cases,
    summary="Every move of a referral",
    response=Page[EventOut],
    tags=TAGS,
)
async def referral_events(ctx: Ctx) -> Page[EventOut]:
    async with ctx.db.read() as s:
        referral = await get_visible_referral(s, ctx.must.scope, ctx.match_int("id"))
        rows = (
            await s.scalars(
                select(ReferralEvent)
                .where(ReferralEvent.referral_id == referral.id)
                .order_by(ReferralEvent.id)
            )
        ).all()
        items = [EventOut.model_validate(e) for e in rows]
    return Page[EventOut](items=items, total=len(items))


@routes.api(
    "POST",
    "/api/v1/referrals/{id}/actions",
    perm=CasePermission.act_on_referrals,
    summary="Move a referral (accept, decline, resolve...)",
    body=ActionIn,
    response=ReferralOut,
    tags=TAGS,
)
async def act(ctx: Ctx, body: ActionIn) -> ReferralOut:
    async with ctx.write() as (s, outbox):
        referral = await get_visible_referral(s, ctx.must.scope, ctx.match_int("id"))
        sides = moves.side_of(referral, ctx.must.scope.agency_ids, ctx.user.agency_id)
        await actions.act(
            s,
            ctx.user.actor,
            referral,
            moves.Move(body.action, body.reason),
            target_agency_id=body.target_agency_id,
            sides=sides,
            now=utcnow(),
            outbox=outbox,
        )
        out = ReferralOut.model_validate(referral)
    return out


@routes.api(
    "GET",
    "/api/v1/referrals/{id}/mediators",
    perm=CasePermission.act_on_referrals,
    summary="Mediators proposed by specialty and load",
    response=Page[MediatorOut],
    tags=TAGS,
)
async def mediators(ctx: Ctx) -> Page[MediatorOut]:
    async with ctx.db.read() as s:
        referral = await get_visible_referral(s, ctx.must.scope, ctx.match_int("id"))
        ctx.must.check_agency(referral.to_agency_id)
        items = [MediatorOut.model_validate(c) for c in await propose_mediators(s, referral)]
    return Page[MediatorOut](items=items, total=len(items))


@routes.api(
    "POST",
    "/api/v1/referrals/{id}/mediator",
    perm=CasePermission.act_on_referrals,
    summary="Assign a mediator",
    body=AssignIn,
    response=ReferralOut,
    tags=TAGS,
)
async def assign(ctx: Ctx, body: AssignIn) -> ReferralOut:
    async with ctx.write() as (s, outbox):
        referral = await get_visible_referral(s, ctx.must.scope, ctx.match_int("id"))
        sides = moves.side_of(referral, ctx.must.scope.agency_ids, ctx.user.agency_id)
        await assign_mediator(s, ctx.user.actor, referral, body.user_id, sides=sides, outbox=outbox)
        out = ReferralOut.model_validate(referral)
    return out


@routes.api(
    "POST",
    "/api/v1/referrals/{id}/extension",
    perm=CasePermission.act_on_referrals,
    summary="Extend the mediation deadline, with a reason",
    body=ExtendIn,
    response=ReferralOut,
    tags=TAGS,
)
async def extend(ctx: Ctx, body: ExtendIn) -> ReferralOut:
    async with ctx.write() as (s, outbox):
        referral = await get_visible_referral(s, ctx.must.scope, ctx.match_int("id"))
        sides = moves.side_of(referral, ctx.must.scope.agency_ids, ctx.user.agency_id)
        await extend_mediation(
            s, ctx.user.actor, referral, body.days, body.reason, sides=sides, outbox=outbox
        )
        out = ReferralOut.model_validate(referral)
    return out
