"""A referral's pauses: the list, and recording one (the receiving body, while the referral is
accepted or in mediation), as JSON and as the page ``/referrals/{id}/pauses``."""

from __future__ import annotations

from datetime import date

from aiohttp import web

from hub import directory, flash
from hub.errors import HubError
from hub.forms import Form
from hub.i18n import N_, gettext
from hub.models import User
from hub.orm import utcnow
from hub.routing import Ctx, Routes
from hub.templating import render
from referrals import moves, pausing, states
from referrals.models import Case, Referral
from referrals.pauses.schemas import PauseIn, PauseOut, PausesOut
from referrals.permissions import CasePermission
from referrals.visibility import get_visible_referral

routes = Routes()
TAGS = ("referrals",)


async def _record(ctx: Ctx, referral_id: int, first: date, last: date, reason: str) -> Referral:
    async with ctx.write() as (s, outbox):
        referral = await get_visible_referral(s, ctx.must.scope, referral_id)
        sides = moves.side_of(referral, ctx.must.scope.agency_ids, ctx.user.agency_id)
        await pausing.record_pause(
            s,
            ctx.user.actor,
            referral,
            first=first,
            last=last,
            reason=reason,
            sides=sides,
            now=utcnow(),
            outbox=outbox,
        )
    return referral


@routes.api(
    "GET",
    "/api/v1/referrals/{id}/pauses",
    perm=CasePermission.view_cases,
    summary="Pauses of the mediation period (days not counted)",
    response=PausesOut,
    tags=TAGS,
)
async def list_pauses(ctx: Ctx) -> PausesOut:
    async with ctx.db.read() as s:
        referral = await get_visible_referral(s, ctx.must.scope, ctx.match_int("id"))
        rows = await pausing.pauses_of(s, referral.id)
        return PausesOut(
            items=[PauseOut.model_validate(r) for r in rows], mediation_due=referral.mediation_due
        )


@routes.api(
    "POST",
    "/api/v1/referrals/{id}/pauses",
    perm=CasePermission.act_on_referrals,
    summary="Pause the mediation period, e.g. for a medical appraisal (the deadline moves)",
    body=PauseIn,
    response=PausesOut,
    status=201,
    tags=TAGS,
)
async def add_pause(ctx: Ctx, body: PauseIn) -> PausesOut:
    referral = await _record(ctx, ctx.match_int("id"), body.first_day, body.last_day, body.reason)
    async with ctx.db.read() as s:
        rows = await pausing.pauses_of(s, referral.id)
    return PausesOut(items=[PauseOut.model_validate(r) for r in rows], mediation_due=referral.mediation_due)


async def _page(
    ctx: Ctx, *, values: dict[str, str] | None = None, error: str | None = None, status: int = 200
) -> web.Response:
    async with ctx.db.read() as s:
        referral = await get_visible_referral(s, ctx.must.scope, ctx.match_int("id"))
        case = await s.get(Case, referral.case_id)
        rows = await pausing.pauses_of(s, referral.id)
        people = await directory.names(s, User, [r.recorded_by_id for r in rows])
        sides = moves.side_of(referral, ctx.must.scope.agency_ids, ctx.user.agency_id)
    may_pause = (
        ctx.must.allows(CasePermission.act_on_referrals)
        and states.Side.receiver in sides
        and referral.state in (states.State.accepted, states.State.in_mediation)
    )
    return render(
        ctx,
        "referrals/pauses.html",
        status=status,
        referral=referral,
        case=case,
        pauses=[(r, people.get(r.recorded_by_id or 0, "")) for r in rows],
        may_pause=may_pause,
        values=values or {"first_day": "", "last_day": "", "reason": gettext(N_("Medical damage appraisal"))},
        error=error,
    )


@routes.page("GET", "/referrals/{id}/pauses", perm=CasePermission.view_cases, name="referral_pauses")
async def pauses_page(ctx: Ctx) -> web.Response:
    return await _page(ctx)


@routes.page("POST", "/referrals/{id}/pauses", perm=CasePermission.act_on_referrals)
async def pauses_form(ctx: Ctx) -> web.Response:
    form = await Form.read(ctx.request)
    values = {k: form.text(k) for k in ("first_day", "last_day", "reason")}
    try:
        first, last = date.fromisoformat(values["first_day"]), date.fromisoformat(values["last_day"])
    except ValueError:
        return await _page(
            ctx, values=values, error=gettext(N_("Enter the first and the last day.")), status=422
        )
    try:
        referral = await _record(ctx, ctx.match_int("id"), first, last, values["reason"])
    except HubError as exc:
        if exc.status in (403, 404):
            raise
        return await _page(ctx, values=values, error=exc.text(), status=exc.status)
    raise flash.redirect(ctx.request, f"/cases/{referral.case_id}", N_("The pause is recorded."))
