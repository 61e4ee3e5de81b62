"""The agreement's pages: the builder, the parties' confirmations, resolving, judicial confirmation;
the follow-up visits and closing the case after them; the two PDFs (人民调解协议书, 司法确认申请书).

Forms post back to ``/cases/{id}/agreement[/...]`` or ``/cases/{id}/followups[/...]``; a refused
change shows the page again with the reason and what was typed (``forms``).
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from hub import directory, flash
from hub.errors import HubError
from hub.forms import Form
from hub.i18n import N_
from hub.models import User
from hub.orm import utcnow
from hub.routing import Ctx, Routes, validate
from hub.templating import JINJA, render
from referrals import committees, deadlines
from referrals.agencies import policy_for
from referrals.agreements import agreements, court, documents, visits
from referrals.agreements.forms import KINDS, METHODS, body_of, draft_from_form, draft_of
from referrals.agreements.schemas import ApplicationIn, PartyConfirmIn, VisitIn
from referrals.agreements.views import (
    change,
    local_time,
    read_case,
    record_visit,
    today,
)
from referrals.permissions import CasePermission
from referrals.states import State
from referrals.visibility import mask_id_number, mask_phone, works_on

routes = Routes()
TAGS = ("agreements",)
SOON_DAYS = 7  # the clock turns to a warning colour this many days before the deadline


def clock_status(days_left: int) -> str:
    return "expired" if days_left < 0 else "soon" if days_left <= SOON_DAYS else "ok"


async def agreement_view(
    ctx: Ctx,
    *,
    status: int = 200,
    error: str | None = None,
    details: Any = None,
    draft: dict[str, Any] | None = None,
) -> web.Response:
    async with ctx.db.read() as s:
        ca = await read_case(ctx, s)
        agreement, referral = ca.agreement, ca.referral
        policy = await policy_for(s, referral.to_agency_id) if referral else deadlines.DEFAULT
        confirmations = {c.party_id: c for c in agreement.confirmations} if agreement else {}
        names = await directory.names(
            s,
            User,
            {c.recorded_by_id for c in confirmations.values()} | {referral.mediator_id if referral else None},
        )
        courts = await court.courts(s)
        pending = await agreements.pending_visits(s, referral) if referral else 0
        organisation = (
            await committees.organisation_for(
                s, referral.to_agency_id, agreement.committee_id if agreement else None
            )
            if referral
            else None
        )
    reveal = works_on(ctx.user, ca.case, referral, agreement.court_agency_id if agreement else None)
    parties = [
        {
            "party": p,
            "id_number": p.id_number if reveal else mask_id_number(p.id_number),
            "phone": p.phone if reveal else mask_phone(p.phone),
            "confirmation": confirmations.get(p.id),
            "recorded_by": names.get(confirmations[p.id].recorded_by_id or 0, "")
            if p.id in confirmations
            else "",
        }
        for p in ca.case.parties
    ]
    state = referral.state if referral else ""
    may_act = ca.receiver and ctx.must.allows(CasePermission.act_on_referrals)
    locked = agreements.is_locked(ca.current, ca.case.parties)
    clock = court.confirmation_clock(agreement, today(ctx), policy)
    deadline = (
        deadlines.confirmation_deadline(agreement.effective_date, policy)
        if agreement and agreement.effective_date
        else None
    )
    return render(
        ctx,
        "referrals/agreement.html",
        status=status,
        case=ca.case,
        referral=referral,
        state=state,
        agreement=agreement,
        parties=parties,
        party_choices=[(p.id, p.name) for p in ca.case.parties],
        term_kinds=KINDS,
        term_methods=METHODS,
        organisation=organisation,
        sentences=documents.items(agreement, {p.id: p.name for p in ca.case.parties}) if agreement else [],
        default_copies=len(ca.case.parties) + 1,
        draft=draft or draft_of(ca.current or agreement),
        editable=may_act and agreements.may_edit(ca),
        locked=locked,
        complete=bool(ca.current and agreements.is_complete(ca.current)),
        may_confirm=may_act and state in agreements.WRITABLE and ca.current is not None and not locked,
        may_resolve=may_act and state == State.in_mediation and locked,
        may_apply=may_act and state == State.resolved and locked,
        clock=clock,
        clock_status=clock_status(clock[1]) if clock else None,
        deadline=deadline,
        courts=courts,
        court_name=next((c.name for c in courts if agreement and c.id == agreement.court_agency_id), ""),
        mediator=names.get(referral.mediator_id or 0, "") if referral else "",
        pending_followups=pending,
        confirmation_days=policy.confirmation_days,
        error=error,
        details=details,
    )


async def _post(
    ctx: Ctx, op: Any, draft: dict[str, Any] | None = None, anchor: str = "", done: str = N_("Saved.")
) -> web.Response:
    try:
        await change(ctx, op)
    except HubError as exc:
        if exc.status == 404:
            raise
        return await agreement_view(
            ctx, status=exc.status, error=exc.text(), details=exc.details, draft=draft
        )
    raise flash.redirect(ctx.request, f"/cases/{ctx.match_int('id')}/agreement{anchor}", done)


@routes.page("GET", "/cases/{id}/agreement", perm=CasePermission.view_cases, name="case_agreement")
async def agreement_page(ctx: Ctx) -> web.Response:
    return await agreement_view(ctx)


@routes.page("POST", "/cases/{id}/agreement", perm=CasePermission.act_on_referrals)
async def save_form(ctx: Ctx) -> web.Response:
    draft = draft_from_form(await Form.read(ctx.request))

    async def op(s: Any, ca: agreements.CaseAgreement, outbox: Any) -> None:
        await agreements.save(s, ctx.user.actor, ca, body_of(draft), now=utcnow(), outbox=outbox)

    return await _post(ctx, op, draft, "#confirmations", N_("The agreement is saved."))


@routes.page("POST", "/cases/{id}/agreement/confirmations", perm=CasePermission.act_on_referrals)
async def confirm_form(ctx: Ctx) -> web.Response:
    form = await Form.read(ctx.request)

    async def op(s: Any, ca: agreements.CaseAgreement, outbox: Any) -> None:
        body = validate(
            PartyConfirmIn,
            {
                "party_id": form.raw("party_id"),
                "method": form.raw("method"),
                "confirmed_at": local_time(form.raw("confirmed_at"), ctx),
            },
        )
        await agreements.confirm_party(
            s,
            ctx.user.actor,
            ca,
            body.party_id,
            body.method,
            at=body.confirmed_at,
            now=utcnow(),
            outbox=outbox,
        )

    return await _post(ctx, op, anchor="#confirmations", done=N_("The confirmation is recorded."))


@routes.page("POST", "/cases/{id}/agreement/resolve", perm=CasePermission.act_on_referrals)
async def resolve_form(ctx: Ctx) -> web.Response:
    async def op(s: Any, ca: agreements.CaseAgreement, outbox: Any) -> None:
        await agreements.resolve(s, ctx.user.actor, ca, now=utcnow(), outbox=outbox)

    return await _post(ctx, op, anchor="#court", done=N_("The case is marked resolved."))


@routes.page("POST", "/cases/{id}/agreement/application", perm=CasePermission.act_on_referrals)
async def apply_form(ctx: Ctx) -> web.Response:
    form = await Form.read(ctx.request)

    async def op(s: Any, ca: agreements.CaseAgreement, outbox: Any) -> None:
        body = validate(
            ApplicationIn,
            {
                "court_agency_id": form.raw("court_agency_id") or None,
                "applied_at": local_time(form.raw("applied_at"), ctx),
            },
        )
        await court.apply(
            s,
            ctx.user.actor,
            ca,
            court_agency_id=body.court_agency_id,
            applied_at=body.applied_at,
            now=utcnow(),
            zone=ctx.config.zone,
            outbox=outbox,
        )

    applied = N_("The application for judicial confirmation is recorded.")
    return await _post(ctx, op, anchor="#court", done=applied)


# --- follow-up visits ------------------------------------------------------------------------------


CLOSABLE = frozenset({State.resolved, State.confirmed, State.confirmation_refused})


async def followups_view(ctx: Ctx, *, status: int = 200, error: str | None = None) -> web.Response:
    async with ctx.db.read() as s:
        ca = await read_case(ctx, s)
        rows = await visits.for_case(s, ca.case.id)
        names = await directory.names(s, User, {r.visited_by_id for r in rows})
    terms = {t.id: t for t in ca.agreement.terms} if ca.agreement else {}
    state = ca.referral.state if ca.referral else ""
    may_act = ca.receiver and ctx.must.allows(CasePermission.act_on_referrals)
    pending = sum(1 for r in rows if r.done_at is None)
    enforcement = None
    if (
        ca.agreement
        and ca.agreement.court_outcome == "confirmed"
        and any(r.outcome in ("not_performed", "partly") for r in rows)
    ):
        # Confirmed by the court and not performed: the obligee may apply for enforcement, for two
        # years from the last day set for performance (Civil Procedure Law art. 250).
        dues = [t.due_date for t in ca.agreement.terms if t.due_date is not None]
        last = max(dues) if dues else ca.agreement.effective_date
        enforcement = deadlines.enforcement_deadline(last) if last else None
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
        enforcement=enforcement,
        error=error,
    )


@routes.page("GET", "/cases/{id}/followups", perm=CasePermission.view_cases, name="case_followups")
async def followups_page(ctx: Ctx) -> web.Response:
    return await followups_view(ctx)


@routes.page("POST", "/cases/{id}/followups/close", perm=CasePermission.act_on_referrals)
async def close_form(ctx: Ctx) -> web.Response:
    try:
        async with ctx.write() as (s, outbox):
            ca = await agreements.open_case(s, ctx.must.scope, ctx.user.agency_id, ctx.match_int("id"))
            await visits.close(s, ctx.user.actor, ca, now=utcnow(), outbox=outbox)
    except HubError as exc:
        if exc.status == 404:
            raise
        return await followups_view(ctx, status=exc.status, error=exc.text())
    raise flash.redirect(ctx.request, f"/cases/{ctx.match_int('id')}/followups", N_("The case is closed."))


# After .../close: the router tries routes in order, and this one would take that name too.
@routes.page("POST", "/cases/{id}/followups/{followup_id}", perm=CasePermission.act_on_referrals)
async def visit_form(ctx: Ctx) -> web.Response:
    form = await Form.read(ctx.request)
    try:
        body = validate(
            VisitIn,
            {
                "outcome": form.raw("outcome"),
                "notes": form.raw("notes"),
                "visited_at": local_time(form.raw("visited_at"), ctx),
            },
        )
        await record_visit(ctx, body)
    except HubError as exc:
        if exc.status == 404:
            raise
        return await followups_view(ctx, status=exc.status, error=exc.text())
    where = f"/cases/{ctx.match_int('id')}/followups#followup-{ctx.match_int('followup_id')}"
    raise flash.redirect(ctx.request, where, N_("The visit is recorded."))


# --- documents -------------------------------------------------------------------------------------


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
        reveal = works_on(
            ctx.user, ca.case, ca.referral, ca.agreement.court_agency_id if ca.agreement else None
        )
        document = await documents.agreement_document(
            s, ctx.request.app[JINJA], ca, ctx.config.zone, reveal=reveal
        )
    return await document.response(ctx.request)


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
        reveal = works_on(
            ctx.user, ca.case, ca.referral, ca.agreement.court_agency_id if ca.agreement else None
        )
        document = await documents.confirmation_document(
            s, ctx.request.app[JINJA], ca, ctx.config.zone, reveal=reveal
        )
    return await document.response(ctx.request)
