"""JSON API of referrals once sent: the lists and one referral with its moves, the moves
themselves (accept, decline, resolve...), and the mediator's proposal, assignment and extension.
Taking cases in and sending them is ``referrals.cases.api``."""

from __future__ import annotations

from sqlalchemy import func, or_, select

from hub.orm import utcnow
from hub.routing import Ctx, Routes
from hub.schemas import Page
from referrals import moves
from referrals.cases import actions
from referrals.cases.referral_schemas import ActionIn, AssignIn, EventOut, ExtendIn, MediatorOut, ReferralOut
from referrals.cases.schemas import CaseQuery
from referrals.mediators import assign_mediator, extend_mediation, propose_mediators
from referrals.models import Referral, ReferralEvent
from referrals.permissions import CasePermission
from referrals.visibility import get_visible_referral

routes = Routes()
TAGS = ("referrals",)


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
