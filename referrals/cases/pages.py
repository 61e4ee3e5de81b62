"""The case page (/cases/{id}) and its forms: send (to the proposed body or another with a reason)
and every move of a referral. The forms go through the same service functions as the JSON API;
a refusal shows on the page, in the reader's language."""

from __future__ import annotations

from aiohttp import web

from hub.errors import HubError, ValidationFailed
from hub.events import Outbox
from hub.i18n import N_
from hub.orm import utcnow
from hub.routing import Ctx, Routes
from hub.templating import render
from referrals import mediators, moves, sending
from referrals.cases import actions, detail, forms, views
from referrals.cases.intake_pages import form_dict
from referrals.errors import BadMediator, BadTarget, ReasonRequired
from referrals.permissions import CasePermission
from referrals.visibility import get_visible_case, get_visible_referral, latest_referral, works_on

routes = Routes()
MAX_EXTENSION_DAYS = 60


async def _page(ctx: Ctx, case_id: int, *, status: int = 200, error: str | None = None) -> web.Response:
    async with ctx.db.read() as s:
        case = await get_visible_case(s, ctx.must.scope, case_id)
        latest = await latest_referral(s, case.id)
        view = await detail.case_view(s, ctx.must, case, utcnow(), reveal=works_on(ctx.user, case, latest))
    return render(
        ctx,
        "referrals/case.html",
        status=status,
        v=view,
        error=error,
        live_kinds=views.LIVE_KINDS,
        ASSIGN=views.ASSIGN,
        EXTEND=views.EXTEND,
        max_days=MAX_EXTENSION_DAYS,
    )


@routes.page("GET", "/cases/{id}", perm=CasePermission.view_cases, name="case")
async def case_page(ctx: Ctx) -> web.Response:
    return await _page(ctx, ctx.match_int("id"))


@routes.page("POST", "/cases/{id}/send", perm=CasePermission.take_in)
async def send_form(ctx: Ctx) -> web.Response:
    case_id = ctx.match_int("id")
    form = form_dict(await ctx.request.post())
    target = forms.optional_int(form, "target_agency_id")
    reason = forms.first(form, "override_reason")
    outbox = Outbox()
    try:
        async with ctx.db.write() as s:
            case = await get_visible_case(s, ctx.must.scope, case_id)
            ctx.must.check_agency(case.created_agency_id)
            if forms.first(form, "intent") == "other":
                if target is None:
                    raise BadTarget()
                if not reason:
                    raise ReasonRequired(N_("Say why the case goes to another body than the proposed one."))
            await sending.send(
                s,
                ctx.user.actor,
                case,
                sender_agency_id=case.created_agency_id,
                now=utcnow(),
                outbox=outbox,
                target_agency_id=target,
                override_reason=reason,
            )
    except HubError as exc:
        if exc.status == 404:
            raise
        return await _page(ctx, case_id, status=exc.status, error=exc.text())
    await outbox.send(ctx.events)
    raise web.HTTPSeeOther(f"/cases/{case_id}")


@routes.page("POST", "/referrals/{id}/act", perm=CasePermission.act_on_referrals)
async def act_form(ctx: Ctx) -> web.Response:
    form = form_dict(await ctx.request.post())
    action = forms.first(form, "action")
    reason = forms.first(form, "reason")
    outbox = Outbox()
    case_id: int | None = None
    try:
        async with ctx.db.write() as s:
            referral = await get_visible_referral(s, ctx.must.scope, ctx.match_int("id"))
            case_id = referral.case_id
            sides = moves.side_of(referral, ctx.must.scope.agency_ids, ctx.user.agency_id)
            actor = ctx.user.actor
            if action == views.ASSIGN:
                mediator = forms.optional_int(form, "mediator_id")
                if mediator is None:
                    raise BadMediator()
                await mediators.assign_mediator(s, actor, referral, mediator, sides=sides, outbox=outbox)
            elif action == views.EXTEND:
                days = forms.optional_int(form, "days")
                if days is None or not 1 <= days <= MAX_EXTENSION_DAYS:
                    raise ValidationFailed(N_("Enter the number of days to add (1 to 60)."))
                await mediators.extend_mediation(s, actor, referral, days, reason, sides=sides, outbox=outbox)
            else:
                await actions.act(
                    s,
                    actor,
                    referral,
                    moves.Move(action, reason),
                    target_agency_id=forms.optional_int(form, "target_agency_id"),
                    sides=sides,
                    now=utcnow(),
                    outbox=outbox,
                )
    except HubError as exc:
        if case_id is None or exc.status == 404:
            raise
        return await _page(ctx, case_id, status=exc.status, error=exc.text())
    await outbox.send(ctx.events)
    raise web.HTTPSeeOther(f"/cases/{case_id}")
