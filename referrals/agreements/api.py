"""JSON API of agreements, judicial confirmation and follow-up visits (the pages and the two PDFs
are in ``pages``).

Reading needs only to see the case (outsiders get 404); every change is the receiving agency's
(``act_on_referrals`` and the receiving side of the case's current referral).
"""

from __future__ import annotations

from hub.orm import utcnow
from hub.routing import Ctx, Routes
from hub.schemas import Page
from referrals.agreements import agreements, court, visits
from referrals.agreements.schemas import (
    AgreementIn,
    AgreementOut,
    ApplicationIn,
    FollowUpOut,
    PartyConfirmIn,
    VisitIn,
)
from referrals.agreements.views import agreement_out, change, read_case, record_visit, today
from referrals.permissions import CasePermission

routes = Routes()
TAGS = ("agreements",)


@routes.api(
    "GET",
    "/api/v1/cases/{id}/agreement",
    perm=CasePermission.view_cases,
    summary="The case's mediation agreement, its confirmations and the judicial-confirmation clock",
    response=AgreementOut,
    tags=TAGS,
)
async def get_agreement(ctx: Ctx) -> AgreementOut:
    async with ctx.db.read() as s:
        return await agreement_out(s, ctx, await read_case(ctx, s))


@routes.api(
    "PUT",
    "/api/v1/cases/{id}/agreement",
    perm=CasePermission.act_on_referrals,
    summary=(
        "Write the agreement (replaces facts, terms, other terms, effective date); the receiving agency, "
        "in mediation or resolved; 409 agreement_locked once every party confirmed"
    ),
    body=AgreementIn,
    response=AgreementOut,
    tags=TAGS,
)
async def put_agreement(ctx: Ctx, body: AgreementIn) -> AgreementOut:
    return await change(
        ctx, lambda s, ca, outbox: agreements.save(s, ctx.user.actor, ca, body, now=utcnow(), outbox=outbox)
    )


@routes.api(
    "POST",
    "/api/v1/cases/{id}/agreement/confirmations",
    perm=CasePermission.act_on_referrals,
    summary="Record that a party confirmed the agreement (online or in person); the last one locks it",
    body=PartyConfirmIn,
    response=AgreementOut,
    status=201,
    tags=TAGS,
)
async def confirm(ctx: Ctx, body: PartyConfirmIn) -> AgreementOut:
    return await change(
        ctx,
        lambda s, ca, outbox: agreements.confirm_party(
            s,
            ctx.user.actor,
            ca,
            body.party_id,
            body.method,
            at=body.confirmed_at,
            now=utcnow(),
            outbox=outbox,
        ),
    )


@routes.api(
    "POST",
    "/api/v1/cases/{id}/agreement/application",
    perm=CasePermission.act_on_referrals,
    summary=(
        "Record the parties' application for judicial confirmation (resolved -> confirmation_applied); "
        "refused with confirmation_window_closed after the 30-day window"
    ),
    body=ApplicationIn,
    response=AgreementOut,
    tags=TAGS,
)
async def apply_for_confirmation(ctx: Ctx, body: ApplicationIn) -> AgreementOut:
    return await change(
        ctx,
        lambda s, ca, outbox: court.apply(
            s,
            ctx.user.actor,
            ca,
            court_agency_id=body.court_agency_id,
            applied_at=body.applied_at,
            now=utcnow(),
            zone=ctx.config.zone,
            outbox=outbox,
        ),
    )


@routes.api(
    "GET",
    "/api/v1/cases/{id}/followups",
    perm=CasePermission.view_cases,
    summary="Follow-up visits of the case's agreement, earliest first",
    response=Page[FollowUpOut],
    tags=TAGS,
)
async def list_api(ctx: Ctx) -> Page[FollowUpOut]:
    async with ctx.db.read() as s:
        ca = await read_case(ctx, s)
        items = [visits.out(r, today(ctx)) for r in await visits.for_case(s, ca.case.id)]
    return Page[FollowUpOut](items=items, total=len(items))


@routes.api(
    "POST",
    "/api/v1/cases/{id}/followups/{followup_id}",
    perm=CasePermission.act_on_referrals,
    summary=(
        "Record a follow-up visit (performed, partly, not_performed); partly or not performed raises an "
        "early warning for the supervisors above"
    ),
    body=VisitIn,
    response=FollowUpOut,
    tags=TAGS,
)
async def visit_api(ctx: Ctx, body: VisitIn) -> FollowUpOut:
    return await record_visit(ctx, body)
