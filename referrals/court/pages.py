"""The court's pages: its queue (``/court``), one application (``/cases/{id}/court``) with the steps
of whoever looks at it (the court's, or the room's answers), and the application package as one PDF.

Forms post to ``/cases/{id}/court/{step}``; a refused step shows the page again with the reason.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from aiohttp import web

from hub import flash
from hub.errors import HubError
from hub.forms import Form
from hub.i18n import N_
from hub.orm import utcnow
from hub.routing import Ctx, Routes, validate
from hub.templating import JINJA, render
from referrals.court import package, steps
from referrals.court.schemas import AcceptIn, ConfirmIn, CorrectionIn, ExtensionIn, ReasonIn, ResubmitIn
from referrals.court.views import application_out, queue_items, today
from referrals.permissions import CasePermission
from referrals.visibility import works_on

routes = Routes()
TAGS = ("court",)


@routes.page("GET", "/court", perm=CasePermission.view_cases, name="court_queue")
async def queue_page(ctx: Ctx) -> web.Response:
    async with ctx.db.read() as s:
        items = await queue_items(s, ctx, None)
    return render(
        ctx,
        "referrals/court_queue.html",
        waiting=[i for i in items if i.clock is not None],
        decided=[i for i in items if i.clock is None],
        warned=sum(1 for i in items if i.clock is not None and i.clock.status != "ok"),
    )


async def application_view(ctx: Ctx, *, status: int = 200, error: str | None = None) -> web.Response:
    async with ctx.db.read() as s:
        cc = await steps.open_application(s, ctx.must.scope, ctx.user.agency_id, ctx.match_int("id"))
        out = await application_out(s, ctx, cc.application, cc.case, cc.referral, cc.sides)
    may_act = ctx.must.allows(CasePermission.act_on_referrals)
    return render(
        ctx,
        "referrals/court_application.html",
        status=status,
        case=cc.case,
        app=out,
        agreement=cc.agreement,
        steps=out.steps if may_act else [],
        court=cc.court,
        receiver=bool(cc.sides - {steps.Side.court}),
        today=today(ctx).isoformat(),
        error=error,
    )


@routes.page("GET", "/cases/{id}/court", perm=CasePermission.view_cases, name="case_court")
async def application_page(ctx: Ctx) -> web.Response:
    return await application_view(ctx)


def _day(value: str) -> date | None:
    try:
        return date.fromisoformat(value.strip()) if value.strip() else None
    except ValueError:
        return None


@routes.page("POST", "/cases/{id}/court/{step}", perm=CasePermission.act_on_referrals)
async def step_form(ctx: Ctx) -> web.Response:
    form = await Form.read(ctx.request)
    name = ctx.match("step")
    now, zone, actor = utcnow(), ctx.config.zone, ctx.user.actor
    try:
        async with ctx.write() as (s, outbox):
            cc = await steps.open_application(
                s, ctx.must.scope, ctx.user.agency_id, ctx.match_int("id"), for_update=True
            )
            await _take(s, cc, name, form, actor, now, zone, outbox)
    except HubError as exc:
        if exc.status == 404:
            raise
        return await application_view(ctx, status=exc.status, error=exc.text())
    raise flash.redirect(ctx.request, f"/cases/{ctx.match_int('id')}/court", N_("Saved."))


async def _take(
    s: Any, cc: steps.CourtCase, name: str, form: Form, actor: Any, now: Any, zone: Any, outbox: Any
) -> None:
    if name == "accept":
        body = validate(AcceptIn, {"court_case_number": form.raw("court_case_number")})
        await steps.accept(
            s, actor, cc, court_case_number=body.court_case_number, now=now, zone=zone, outbox=outbox
        )
    elif name == "correction":
        note = validate(CorrectionIn, {"note": form.raw("note")}).note
        await steps.request_correction(s, actor, cc, note=note, now=now, outbox=outbox)
    elif name == "resubmit":
        reply = validate(ResubmitIn, {"reply": form.raw("reply")}).reply
        await steps.resubmit(s, actor, cc, reply=reply, now=now, outbox=outbox)
    elif name == "extend":
        ext = validate(ExtensionIn, {"approved_by": form.raw("approved_by"), "reason": form.raw("reason")})
        await steps.extend(
            s,
            actor,
            cc,
            approved_by=ext.approved_by,
            reason=ext.reason,
            approved_at=None,
            now=now,
            zone=zone,
            outbox=outbox,
        )
    elif name == "confirm":
        ruling = validate(ConfirmIn, {"ruling_number": form.raw("ruling_number")})
        await steps.confirm(
            s,
            actor,
            cc,
            ruling_number=ruling.ruling_number,
            ruling_date=_day(form.raw("ruling_date")),
            now=now,
            zone=zone,
            outbox=outbox,
        )
    elif name == "refuse":
        reason = validate(ReasonIn, {"reason": form.raw("reason")}).reason
        await steps.refuse(s, actor, cc, reason=reason, now=now, outbox=outbox)
    elif name == "reopen":
        reason = validate(ReasonIn, {"reason": form.raw("reason")}).reason
        await steps.reopen(s, actor, cc, reason=reason, now=now, outbox=outbox)
    else:
        raise web.HTTPNotFound()


@routes.page(
    "GET",
    "/cases/{id}/court-package.pdf",
    perm=CasePermission.view_cases,
    summary=(
        "The application package for judicial confirmation as one PDF: the list of materials, the "
        "application (申请书), the agreement (协议书), the parties' identity (身份证明), other materials"
    ),
    produces="application/pdf",
    tags=TAGS,
)
async def package_pdf(ctx: Ctx) -> web.Response:
    async with ctx.db.read() as s:
        cc = await steps.open_application(s, ctx.must.scope, ctx.user.agency_id, ctx.match_int("id"))
        reveal = works_on(ctx.user, cc.case, cc.referral, cc.application.court_agency_id)
        document = await package.package_document(
            s, ctx.request.app[JINJA], cc, ctx.config.zone, reveal=reveal
        )
    return await document.response(ctx.request)
