"""Agreements, judicial confirmation and follow-ups over HTTP: the JSON API and the two PDFs here,
the pages in ``agreement_pages`` and ``followup_routes`` (their routes join this table below).

Reading needs only to see the case (outsiders get 404); every change is the receiving agency's
(``act_on_referrals`` and the receiving side of the case's current referral).
"""

from __future__ import annotations

from aiohttp import web

from hub.orm import utcnow
from hub.routing import Ctx, Routes
from hub.templating import JINJA
from referrals.agreements import agreements, court, documents, followup_pages, pages
from referrals.agreements.schemas import AgreementIn, AgreementOut, ApplicationIn, OutcomeIn, PartyConfirmIn
from referrals.agreements.views import agreement_out, change, read_case
from referrals.permissions import CasePermission
from referrals.visibility import works_on

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
    "POST",
    "/api/v1/cases/{id}/agreement/outcome",
    perm=CasePermission.act_on_referrals,
    summary="Record the court's decision: confirmed, or refused with its reason",
    body=OutcomeIn,
    response=AgreementOut,
    tags=TAGS,
)
async def court_outcome(ctx: Ctx, body: OutcomeIn) -> AgreementOut:
    return await change(
        ctx,
        lambda s, ca, outbox: court.record_outcome(
            s,
            ctx.user.actor,
            ca,
            outcome=body.outcome,
            reason=body.reason,
            court_reference=body.court_reference,
            decided_at=body.decided_at,
            now=utcnow(),
            outbox=outbox,
        ),
    )


async def _pdf(ctx: Ctx, document: documents.Document) -> web.Response:
    return web.Response(
        body=await document.pdf(),
        headers={
            "Content-Type": "application/pdf",
            "Content-Disposition": document.disposition,
            "Cache-Control": "private, no-store",
        },
    )


@routes.page(
    "GET",
    "/cases/{id}/agreement.pdf",
    perm=CasePermission.view_cases,
    summary="人民调解协议书 (the mediation agreement) as PDF, with signature lines",
    produces="application/pdf",
    tags=TAGS,
)
async def agreement_pdf(ctx: Ctx) -> web.Response:
    async with ctx.db.read() as s:
        ca = await read_case(ctx, s)
        reveal = works_on(ctx.user, ca.case, ca.referral)
        document = await documents.agreement_document(
            s, ctx.request.app[JINJA], ca, ctx.config.zone, reveal=reveal
        )
    return await _pdf(ctx, document)


@routes.page(
    "GET",
    "/cases/{id}/confirmation.pdf",
    perm=CasePermission.view_cases,
    summary="司法确认申请书 (application for judicial confirmation) as PDF",
    produces="application/pdf",
    tags=TAGS,
)
async def confirmation_pdf(ctx: Ctx) -> web.Response:
    async with ctx.db.read() as s:
        ca = await read_case(ctx, s)
        reveal = works_on(ctx.user, ca.case, ca.referral)
        document = await documents.confirmation_document(
            s, ctx.request.app[JINJA], ca, ctx.config.zone, reveal=reveal
        )
    return await _pdf(ctx, document)


routes.endpoints += pages.routes.endpoints + followup_pages.routes.endpoints
