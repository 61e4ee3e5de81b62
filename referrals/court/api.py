"""JSON API of the court's queue: the applications addressed to a court, and each step on one.

The court (its liaison) takes 受理, 补正, the extension, 确认 and 不予确认; the receiving room answers a
correction (``resubmit``) and, after a refusal, mediates again (``reopen``). Anyone who may see the
case reads its application; the steps check the side (``wrong_side``, 403), the state
(``transition_not_allowed``, 409) and what each needs (案号, what is missing, the ruling, the reason).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from hub.events import Outbox
from hub.orm import utcnow
from hub.routing import Ctx, Routes
from hub.schemas import Page
from referrals.court import steps
from referrals.court.schemas import (
    AcceptIn,
    ConfirmIn,
    CorrectionIn,
    CourtApplicationOut,
    ExtensionIn,
    QueueQuery,
    ReasonIn,
    ResubmitIn,
)
from referrals.court.views import application_out, queue_items
from referrals.permissions import CasePermission

routes = Routes()
TAGS = ("court",)
Step = Callable[[AsyncSession, steps.CourtCase, Outbox], Awaitable[Any]]


async def take(ctx: Ctx, step: Step) -> CourtApplicationOut:
    """One step on the case's application in a write transaction; the application as it is after."""
    async with ctx.write() as (s, outbox):
        cc = await steps.open_application(
            s, ctx.must.scope, ctx.user.agency_id, ctx.match_int("id"), for_update=True
        )
        await step(s, cc, outbox)
        out = await application_out(s, ctx, cc.application, cc.case, cc.referral, cc.sides)
    return out


@routes.api(
    "GET",
    "/api/v1/court/applications",
    perm=CasePermission.view_cases,
    summary="The court's queue: applications for judicial confirmation addressed to the caller's court",
    query=QueueQuery,
    response=Page[CourtApplicationOut],
    tags=TAGS,
)
async def queue_api(ctx: Ctx, query: QueueQuery) -> Page[CourtApplicationOut]:
    async with ctx.db.read() as s:
        items = await queue_items(s, ctx, query.open)
    return Page[CourtApplicationOut](items=items, total=len(items))


@routes.api(
    "GET",
    "/api/v1/cases/{id}/court",
    perm=CasePermission.view_cases,
    summary="The case's application for judicial confirmation, its clock and the steps the caller may take",
    response=CourtApplicationOut,
    tags=TAGS,
)
async def get_application(ctx: Ctx) -> CourtApplicationOut:
    async with ctx.db.read() as s:
        cc = await steps.open_application(s, ctx.must.scope, ctx.user.agency_id, ctx.match_int("id"))
        return await application_out(s, ctx, cc.application, cc.case, cc.referral, cc.sides)


@routes.api(
    "POST",
    "/api/v1/cases/{id}/court/accept",
    perm=CasePermission.act_on_referrals,
    summary="受理: the court accepts the application with its case number (court_case_number_required)",
    body=AcceptIn,
    response=CourtApplicationOut,
    tags=TAGS,
)
async def accept_api(ctx: Ctx, body: AcceptIn) -> CourtApplicationOut:
    return await take(
        ctx,
        lambda s, cc, outbox: steps.accept(
            s,
            ctx.user.actor,
            cc,
            court_case_number=body.court_case_number,
            now=utcnow(),
            zone=ctx.config.zone,
            outbox=outbox,
        ),
    )


@routes.api(
    "POST",
    "/api/v1/cases/{id}/court/correction",
    perm=CasePermission.act_on_referrals,
    summary="补正: the court asks for what is missing (correction_note_required)",
    body=CorrectionIn,
    response=CourtApplicationOut,
    tags=TAGS,
)
async def correction_api(ctx: Ctx, body: CorrectionIn) -> CourtApplicationOut:
    return await take(
        ctx,
        lambda s, cc, outbox: steps.request_correction(
            s, ctx.user.actor, cc, note=body.note, now=utcnow(), outbox=outbox
        ),
    )


@routes.api(
    "POST",
    "/api/v1/cases/{id}/court/resubmit",
    perm=CasePermission.act_on_referrals,
    summary="The receiving room supplied what the court asked for and resubmits (correction_reply_required)",
    body=ResubmitIn,
    response=CourtApplicationOut,
    tags=TAGS,
)
async def resubmit_api(ctx: Ctx, body: ResubmitIn) -> CourtApplicationOut:
    return await take(
        ctx,
        lambda s, cc, outbox: steps.resubmit(
            s, ctx.user.actor, cc, reply=body.reply, now=utcnow(), outbox=outbox
        ),
    )


@routes.api(
    "POST",
    "/api/v1/cases/{id}/court/extend",
    perm=CasePermission.act_on_referrals,
    summary="Ten more days for the court's decision, with the president's approval (once)",
    body=ExtensionIn,
    response=CourtApplicationOut,
    tags=TAGS,
)
async def extension_api(ctx: Ctx, body: ExtensionIn) -> CourtApplicationOut:
    return await take(
        ctx,
        lambda s, cc, outbox: steps.extend(
            s,
            ctx.user.actor,
            cc,
            approved_by=body.approved_by,
            reason=body.reason,
            approved_at=body.approved_at,
            now=utcnow(),
            zone=ctx.config.zone,
            outbox=outbox,
        ),
    )


@routes.api(
    "POST",
    "/api/v1/cases/{id}/court/confirm",
    perm=CasePermission.act_on_referrals,
    summary="确认: the court confirms the agreement by its ruling (裁定书 number and date; ruling_required)",
    body=ConfirmIn,
    response=CourtApplicationOut,
    tags=TAGS,
)
async def confirm_api(ctx: Ctx, body: ConfirmIn) -> CourtApplicationOut:
    return await take(
        ctx,
        lambda s, cc, outbox: steps.confirm(
            s,
            ctx.user.actor,
            cc,
            ruling_number=body.ruling_number,
            ruling_date=body.ruling_date,
            now=utcnow(),
            zone=ctx.config.zone,
            outbox=outbox,
        ),
    )


@routes.api(
    "POST",
    "/api/v1/cases/{id}/court/refuse",
    perm=CasePermission.act_on_referrals,
    summary="不予确认/驳回: the court does not confirm the agreement (refusal_reason_required)",
    body=ReasonIn,
    response=CourtApplicationOut,
    tags=TAGS,
)
async def refuse_api(ctx: Ctx, body: ReasonIn) -> CourtApplicationOut:
    return await take(
        ctx,
        lambda s, cc, outbox: steps.refuse(
            s, ctx.user.actor, cc, reason=body.reason, now=utcnow(), outbox=outbox
        ),
    )


@routes.api(
    "POST",
    "/api/v1/cases/{id}/court/reopen",
    perm=CasePermission.act_on_referrals,
    summary=(
        "After a refusal, the receiving room mediates again: the refused agreement is kept, superseded, "
        "and a new or changed one is written (reason_required)"
    ),
    body=ReasonIn,
    response=CourtApplicationOut,
    tags=TAGS,
)
async def reopen_api(ctx: Ctx, body: ReasonIn) -> CourtApplicationOut:
    return await take(
        ctx,
        lambda s, cc, outbox: steps.reopen(
            s, ctx.user.actor, cc, reason=body.reason, now=utcnow(), outbox=outbox
        ),
    )
