"""The pages people use every day: intake (/cases/new), the case list (/cases), the referral queue
(/referrals) and the case page (/cases/{id}) with its forms: send (to the proposed body or another
with a reason) and every move of a referral. The forms go through the same use cases as the JSON
API; a refusal shows on the page, in the reader's language.

Each rendering of the intake form carries a fresh idempotency key, so pressing "Save" twice (or
going back and submitting again) creates one case and leads to it. The queue refreshes itself:
``referrals.js`` hears the live events and fetches ``/referrals?fragment=1``.
"""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import urlencode

from aiohttp import web
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from hub import directory, flash
from hub.errors import HubError, ValidationFailed
from hub.forms import Form
from hub.i18n import N_
from hub.models import Agency
from hub.orm import utcnow
from hub.plugins import case_links
from hub.routing import Ctx, Routes
from hub.templating import render
from referrals import mediators, moves, sending, states
from referrals.cases import actions, detail, forms, queue, views
from referrals.cases.intake import submitted, take_in
from referrals.cases.schemas import CaseIn
from referrals.codes import (
    AUTHORITY_NAMES,
    CONSENT_NAMES,
    ID_TYPES,
    Category,
    Channel,
    ConsentMethod,
    Flag,
    PartyRole,
)
from referrals.errors import BadMediator, BadTarget, ConsentInFuture, DuplicateSubmission, ReasonRequired
from referrals.evidence import records, thumbnails
from referrals.permissions import CasePermission
from referrals.visibility import get_visible_case, get_visible_referral, latest_referral, reveals_to

routes = Routes()
MAX_EXTENSION_DAYS = 60


# --- intake ---------------------------------------------------------------------------------------


async def _form(
    ctx: Ctx,
    values: dict[str, Any],
    *,
    status: int = 200,
    errors: dict[str, str] | None = None,
    error: str | None = None,
) -> web.Response:
    async with ctx.db.read() as s:
        areas = views.area_groups(await directory.list_areas(s))
    errors = errors or {}
    return render(
        ctx,
        "referrals/intake.html",
        status=status,
        form=values,
        errors=errors,
        problems=[(forms.field_name(k), m) for k, m in errors.items()],
        error=error,
        areas=areas,
        channels=list(Channel),
        categories=list(Category),
        flags=list(Flag),
        methods=list(ConsentMethod),
        roles=list(PartyRole),
        id_types=ID_TYPES,
        authority_names=AUTHORITY_NAMES,
    )


def _from_grid(ctx: Ctx) -> bool:
    """A grid worker reports from the grid (``referrals.grid``): a phone form of its own."""
    return ctx.must.allows(CasePermission.report_from_grid) and not ctx.must.allows(CasePermission.take_in)


@routes.page("GET", "/cases/new", perm=CasePermission.open_intake, name="case_new")
async def intake_page(ctx: Ctx) -> web.Response:
    if _from_grid(ctx):
        raise web.HTTPSeeOther("/grid/new")
    ctx.must.require(CasePermission.take_in)
    return await _form(ctx, forms.blank_intake(uuid.uuid4().hex))


@routes.page("POST", "/cases/new", perm=CasePermission.open_intake)
async def intake_submit(ctx: Ctx) -> web.Response:
    if _from_grid(ctx):  # 307: the browser sends the same form (and its photos) on
        raise web.HTTPTemporaryRedirect(f"/grid/new?{ctx.request.query_string}")
    ctx.must.require(CasePermission.take_in)
    values = forms.intake_values(await Form.read(ctx.request))
    if not values["idempotency_key"]:
        values["idempotency_key"] = uuid.uuid4().hex
    checked = forms.case_body(values, ctx.config.zone)
    body: CaseIn | None = None
    try:
        body = CaseIn.model_validate(checked.body)
    except ValidationError as exc:
        forms.add_errors(checked, exc.errors(include_url=False, include_input=False))
    if checked.errors or body is None:
        return await _form(ctx, values, status=422, errors=checked.errors)
    try:
        async with ctx.write() as (s, outbox):
            data = forms.case_input(body)
            zone = ctx.config.time_zone
            case = await take_in(s, ctx.user.actor, ctx.user.agency_id, data, utcnow(), outbox, zone=zone)
            case_id = case.id
    except DuplicateSubmission as exc:
        raise web.HTTPSeeOther(f"/cases/{exc.details[0]['message']}") from None
    except IntegrityError:
        # The same form submitted twice at the same moment: the first one made the case.
        found = await _existing(ctx, values["idempotency_key"])
        if found is None:
            raise
        case_id = found
    except ConsentInFuture as exc:  # said at its field; every field stays as typed
        fields = {
            forms.form_key(d["field"].split("."), checked.rows): d["message"] for d in exc.details or []
        }
        return await _form(ctx, values, status=exc.status, errors=fields)
    except HubError as exc:
        return await _form(ctx, values, status=exc.status, error=exc.text())
    raise flash.redirect(ctx.request, f"/cases/{case_id}", N_("The case is saved."))


async def _existing(ctx: Ctx, key: str) -> int | None:
    async with ctx.db.read() as s:
        case = await submitted(s, ctx.user.agency_id, key)
        return case.id if case is not None else None


# --- lists ----------------------------------------------------------------------------------------


@routes.page("GET", "/cases", perm=CasePermission.view_cases, name="cases")
async def case_list(ctx: Ctx) -> web.Response:
    f = forms.list_filters(Form.query(ctx.request))
    now = utcnow()
    filters = queue.CaseFilters(state=f.state, category=f.category, q=f.q, overdue=f.overdue)
    size = forms.PAGE_SIZE
    async with ctx.db.read() as s:
        offset = 0 if f.after is not None else (f.page - 1) * size
        found = await queue.page(s, ctx.must.scope, now, filters, limit=size, after=f.after, offset=offset)
        items = await queue.list_rows(s, found.rows, now)
    # Counted up to queue.COUNT_CAP: past it, "1000+" and no last page, only the next.
    pages = None if found.capped or f.after is not None else max(1, -(-found.total // size))
    shown = f"{queue.COUNT_CAP}+" if found.capped else str(found.total)
    next_link = (
        "/cases?" + urlencode(f.query(f.page + 1, found.next_after)) if found.next_after is not None else ""
    )
    return render(
        ctx,
        "referrals/case_list.html",
        items=items,
        total_shown=shown,
        next_link=next_link,
        f=f,
        pages=pages,
        link=lambda page: "/cases?" + urlencode(f.query(page)),
        states=list(states.State),
        categories=list(Category),
    )


@routes.page("GET", "/referrals", perm=CasePermission.view_cases, name="referral_queue")
async def queue_page(ctx: Ctx) -> web.Response:
    async with ctx.db.read() as s:
        found = await queue.queue(s, ctx.must.scope, utcnow())
    fragment = ctx.request.query.get("fragment") == "1"
    offered = case_links()
    return render(
        ctx,
        "referrals/queue_tables.html" if fragment else "referrals/queue.html",
        q=found,
        row_links=lambda row: views.links_for(ctx.must, row.case_id, row.state, row.to_agency_id, offered),
        live_kinds=views.LIVE_KINDS,
    )


# --- the case page -------------------------------------------------------------------------------


async def _page(ctx: Ctx, case_id: int, *, status: int = 200, error: str | None = None) -> web.Response:
    async with ctx.db.read() as s:
        case = await get_visible_case(s, ctx.must.scope, case_id)
        latest = await latest_referral(s, case.id)
        reveal = await reveals_to(s, ctx.user, case, latest)
        view = await detail.case_view(s, ctx.must, case, utcnow(), reveal=reveal)
        evidence = await records.list_for_case(s, case.id)
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
        consent_names=CONSENT_NAMES,
        evidence=evidence,
        has_preview=thumbnails.has_preview,
    )


@routes.page("GET", "/cases/{id}", perm=CasePermission.view_cases, name="case")
async def case_page(ctx: Ctx) -> web.Response:
    return await _page(ctx, ctx.match_int("id"))


@routes.page("POST", "/cases/{id}/send", perm=CasePermission.take_in)
async def send_form(ctx: Ctx) -> web.Response:
    case_id = ctx.match_int("id")
    form = await Form.read(ctx.request)
    target = form.digits("target_agency_id")
    reason = form.text("override_reason")
    try:
        async with ctx.write() as (s, outbox):
            case = await get_visible_case(s, ctx.must.scope, case_id)
            ctx.must.check_agency(case.created_agency_id)
            if form.text("intent") == "other":
                if target is None:
                    raise BadTarget()
                if not reason:
                    raise ReasonRequired(N_("Say why the case goes to another body than the proposed one."))
            referral = await sending.send(
                s,
                ctx.user.actor,
                case,
                sender_agency_id=case.created_agency_id,
                now=utcnow(),
                outbox=outbox,
                target_agency_id=target,
                override_reason=reason,
            )
            target_name = await s.scalar(select(Agency.name).where(Agency.id == referral.to_agency_id)) or ""
    except HubError as exc:
        if exc.status == 404:
            raise
        return await _page(ctx, case_id, status=exc.status, error=exc.text())
    raise flash.redirect(ctx.request, f"/cases/{case_id}", N_("Sent to %(name)s."), name=target_name)


@routes.page("POST", "/referrals/{id}/act", perm=CasePermission.act_on_referrals)
async def act_form(ctx: Ctx) -> web.Response:
    form = await Form.read(ctx.request)
    action = form.text("action")
    reason = form.text("reason")
    case_id: int | None = None
    try:
        async with ctx.write() as (s, outbox):
            referral = await get_visible_referral(s, ctx.must.scope, ctx.match_int("id"))
            case_id = referral.case_id
            sides = moves.side_of(referral, ctx.must.scope.agency_ids, ctx.user.agency_id)
            actor = ctx.user.actor
            if action == views.ASSIGN:
                mediator = form.digits("mediator_id")
                if mediator is None:
                    raise BadMediator()
                await mediators.assign_mediator(s, actor, referral, mediator, sides=sides, outbox=outbox)
            elif action == views.EXTEND:
                days = form.digits("days")
                if days is None or not 1 <= days <= MAX_EXTENSION_DAYS:
                    raise ValidationFailed(N_("Enter the number of days to add (1 to 60)."))
                await mediators.extend_mediation(s, actor, referral, days, reason, sides=sides, outbox=outbox)
            else:
                await actions.act(
                    s,
                    actor,
                    referral,
                    moves.Move(action, reason),
                    target_agency_id=form.digits("target_agency_id"),
                    sides=sides,
                    now=utcnow(),
                    outbox=outbox,
                )
    except HubError as exc:
        if case_id is None or exc.status == 404:
            raise
        return await _page(ctx, case_id, status=exc.status, error=exc.text())
    raise flash.redirect(ctx.request, f"/cases/{case_id}", views.done_message(action))
