"""Follow-up visits (回访): the list, recording a visit (API and page), closing the case after them."""

from __future__ import annotations

from aiohttp import web

from hub.errors import HubError
from hub.events import Outbox
from hub.orm import utcnow
from hub.permissions import allowed
from hub.routing import Ctx, Routes, validate
from hub.schemas import Page
from hub.templating import render
from referrals.agreements import agreements, visits
from referrals.agreements.schemas import FollowUpOut, VisitIn
from referrals.agreements.views import form_dict, local_time, read_case, today, user_names
from referrals.permissions import CasePermission
from referrals.states import State

routes = Routes()
TAGS = ("agreements",)
CLOSABLE = frozenset({State.resolved, State.confirmed, State.confirmation_refused})


async def _visit(ctx: Ctx, body: VisitIn) -> FollowUpOut:
    outbox = Outbox()
    async with ctx.db.write() as s:
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
    await outbox.send(ctx.events)
    return out


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
    return await _visit(ctx, body)


async def page(ctx: Ctx, *, status: int = 200, error: str | None = None) -> web.Response:
    async with ctx.db.read() as s:
        ca = await read_case(ctx, s)
        rows = await visits.for_case(s, ca.case.id)
        names = await user_names(s, {r.visited_by_id for r in rows})
    terms = {t.id: t for t in ca.agreement.terms} if ca.agreement else {}
    state = ca.referral.state if ca.referral else ""
    may_act = ca.receiver and allowed(ctx.user, CasePermission.act_on_referrals)
    pending = sum(1 for r in rows if r.done_at is None)
    return render(
        ctx,
        "referrals/followups.html",
        status=status,
        case=ca.case,
        state=state,
        visits=[
            {
                "row": r,
                "term": terms.get(r.term_id or 0),
                "overdue": visits.out(r, today(ctx)).overdue,
                "visited_by": names.get(r.visited_by_id or 0, ""),
            }
            for r in rows
        ],
        may_record=may_act,
        may_close=may_act and state in CLOSABLE and pending == 0,
        pending=pending,
        closable_state=state in CLOSABLE,
        outcomes=("performed", "partly", "not_performed"),
        error=error,
    )


@routes.page("GET", "/cases/{id}/followups", perm=CasePermission.view_cases, name="case_followups")
async def followups_page(ctx: Ctx) -> web.Response:
    return await page(ctx)


@routes.page("POST", "/cases/{id}/followups/close", perm=CasePermission.act_on_referrals)
async def close_form(ctx: Ctx) -> web.Response:
    outbox = Outbox()
    try:
        async with ctx.db.write() as s:
            ca = await agreements.open_case(s, ctx.must.scope, ctx.user.agency_id, ctx.match_int("id"))
            await visits.close(s, ctx.user.actor, ca, now=utcnow(), outbox=outbox)
    except HubError as exc:
        if exc.status == 404:
            raise
        return await page(ctx, status=exc.status, error=exc.text())
    await outbox.send(ctx.events)
    raise web.HTTPSeeOther(f"/cases/{ctx.match_int('id')}/followups")


# After .../close: the router tries routes in order, and this one would take that name too.
@routes.page("POST", "/cases/{id}/followups/{followup_id}", perm=CasePermission.act_on_referrals)
async def visit_form(ctx: Ctx) -> web.Response:
    form = form_dict(await ctx.request.post())
    try:
        body = validate(
            VisitIn,
            {
                "outcome": form.get("outcome"),
                "notes": form.get("notes", ""),
                "visited_at": local_time(form.get("visited_at", ""), ctx),
            },
        )
        await _visit(ctx, body)
    except HubError as exc:
        if exc.status == 404:
            raise
        return await page(ctx, status=exc.status, error=exc.text())
    raise web.HTTPSeeOther(f"/cases/{ctx.match_int('id')}/followups#followup-{ctx.match_int('followup_id')}")
