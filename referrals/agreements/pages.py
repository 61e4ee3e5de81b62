"""The agreement page: the builder, the parties' confirmations, resolving, judicial confirmation.

Forms post back to ``/cases/{id}/agreement[/...]``; a refused change shows the page again with the
reason and what was typed. The term rows of the builder are plain repeated fields (``obligor``,
``obligee``, ``description``, ``amount``, ``due_date``), so the page works without script;
``static/js/agreements.js`` only adds and removes rows.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web
from multidict import MultiDictProxy

from hub.errors import HubError
from hub.orm import utcnow
from hub.permissions import allowed
from hub.routing import Ctx, Routes, validate
from hub.templating import render
from referrals import deadlines
from referrals.agencies import policy_for
from referrals.agreements import agreements, court
from referrals.agreements.schemas import AgreementIn, ApplicationIn, OutcomeIn, PartyConfirmIn
from referrals.agreements.views import change, form_dict, local_time, read_case, today, user_names
from referrals.models import Agreement
from referrals.permissions import CasePermission
from referrals.states import State
from referrals.visibility import mask_id_number, mask_phone, works_on

routes = Routes()
SOON_DAYS = 7  # the clock turns to a warning colour this many days before the deadline
TERM_FIELDS = ("obligor", "obligee", "description", "amount", "due_date")


def draft_of(agreement: Agreement | None) -> dict[str, Any]:
    """What the builder's fields hold: the saved agreement (or nothing yet)."""
    if agreement is None:
        return {"facts": "", "other_terms": "", "effective_date": "", "terms": []}
    return {
        "facts": agreement.facts,
        "other_terms": agreement.other_terms,
        "effective_date": agreement.effective_date.isoformat() if agreement.effective_date else "",
        "terms": [
            {
                "obligor": str(t.obligor_party_id),
                "obligee": str(t.obligee_party_id or ""),
                "description": t.description,
                "amount": "" if t.amount is None else str(t.amount),
                "due_date": t.due_date.isoformat() if t.due_date else "",
            }
            for t in agreement.terms
        ],
    }


def draft_from_form(raw: MultiDictProxy[Any]) -> dict[str, Any]:
    columns = {name: [str(v) for v in raw.getall(name, [])] for name in TERM_FIELDS}
    count = max((len(c) for c in columns.values()), default=0)
    rows = [
        {name: (columns[name][i] if i < len(columns[name]) else "").strip() for name in TERM_FIELDS}
        for i in range(count)
    ]
    return {
        "facts": str(raw.get("facts", "")),
        "other_terms": str(raw.get("other_terms", "")),
        "effective_date": str(raw.get("effective_date", "")).strip(),
        # A row with nothing to say is a spare row, not a term.
        "terms": [r for r in rows if r["description"] or r["amount"] or r["due_date"]],
    }


def body_of(draft: dict[str, Any]) -> AgreementIn:
    return validate(
        AgreementIn,
        {
            "facts": draft["facts"],
            "other_terms": draft["other_terms"],
            "effective_date": draft["effective_date"] or None,
            "terms": [
                {
                    "obligor_party_id": r["obligor"] or None,
                    "obligee_party_id": r["obligee"] or None,
                    "description": r["description"],
                    "amount": r["amount"] or None,
                    "due_date": r["due_date"] or None,
                }
                for r in draft["terms"]
            ],
        },
    )


def clock_status(days_left: int) -> str:
    return "expired" if days_left < 0 else "soon" if days_left <= SOON_DAYS else "ok"


async def page(
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
        names = await user_names(
            s,
            {c.recorded_by_id for c in confirmations.values()} | {referral.mediator_id if referral else None},
        )
        courts = await court.courts(s)
        pending = await agreements.pending_visits(s, referral) if referral else 0
    reveal = works_on(ctx.user, ca.case, referral)
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
    may_act = ca.receiver and allowed(ctx.user, CasePermission.act_on_referrals)
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
        draft=draft or draft_of(ca.current or agreement),
        editable=may_act and agreements.may_edit(ca),
        locked=locked,
        complete=bool(ca.current and agreements.is_complete(ca.current)),
        may_confirm=may_act and state in agreements.WRITABLE and ca.current is not None and not locked,
        may_resolve=may_act and state == State.in_mediation and locked,
        may_apply=may_act and state == State.resolved and locked,
        may_decide=may_act and state == State.confirmation_applied,
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


async def _post(ctx: Ctx, op: Any, draft: dict[str, Any] | None = None, anchor: str = "") -> web.Response:
    try:
        await change(ctx, op)
    except HubError as exc:
        if exc.status == 404:
            raise
        return await page(ctx, status=exc.status, error=exc.text(), details=exc.details, draft=draft)
    raise web.HTTPSeeOther(f"/cases/{ctx.match_int('id')}/agreement{anchor}")


@routes.page("GET", "/cases/{id}/agreement", perm=CasePermission.view_cases, name="case_agreement")
async def agreement_page(ctx: Ctx) -> web.Response:
    return await page(ctx)


@routes.page("POST", "/cases/{id}/agreement", perm=CasePermission.act_on_referrals)
async def save_form(ctx: Ctx) -> web.Response:
    draft = draft_from_form(await ctx.request.post())

    async def op(s: Any, ca: agreements.CaseAgreement, outbox: Any) -> None:
        await agreements.save(s, ctx.user.actor, ca, body_of(draft), now=utcnow(), outbox=outbox)

    return await _post(ctx, op, draft, "#confirmations")


@routes.page("POST", "/cases/{id}/agreement/confirmations", perm=CasePermission.act_on_referrals)
async def confirm_form(ctx: Ctx) -> web.Response:
    form = form_dict(await ctx.request.post())

    async def op(s: Any, ca: agreements.CaseAgreement, outbox: Any) -> None:
        body = validate(
            PartyConfirmIn,
            {
                "party_id": form.get("party_id"),
                "method": form.get("method"),
                "confirmed_at": local_time(form.get("confirmed_at", ""), ctx),
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

    return await _post(ctx, op, anchor="#confirmations")


@routes.page("POST", "/cases/{id}/agreement/resolve", perm=CasePermission.act_on_referrals)
async def resolve_form(ctx: Ctx) -> web.Response:
    async def op(s: Any, ca: agreements.CaseAgreement, outbox: Any) -> None:
        await agreements.resolve(s, ctx.user.actor, ca, now=utcnow(), outbox=outbox)

    return await _post(ctx, op, anchor="#court")


@routes.page("POST", "/cases/{id}/agreement/application", perm=CasePermission.act_on_referrals)
async def apply_form(ctx: Ctx) -> web.Response:
    form = form_dict(await ctx.request.post())

    async def op(s: Any, ca: agreements.CaseAgreement, outbox: Any) -> None:
        body = validate(
            ApplicationIn,
            {
                "court_agency_id": form.get("court_agency_id") or None,
                "applied_at": local_time(form.get("applied_at", ""), ctx),
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

    return await _post(ctx, op, anchor="#court")


@routes.page("POST", "/cases/{id}/agreement/outcome", perm=CasePermission.act_on_referrals)
async def outcome_form(ctx: Ctx) -> web.Response:
    form = form_dict(await ctx.request.post())

    async def op(s: Any, ca: agreements.CaseAgreement, outbox: Any) -> None:
        body = validate(
            OutcomeIn,
            {
                "outcome": form.get("outcome"),
                "reason": form.get("reason", ""),
                "court_reference": form.get("court_reference", ""),
                "decided_at": local_time(form.get("decided_at", ""), ctx),
            },
        )
        await court.record_outcome(
            s,
            ctx.user.actor,
            ca,
            outcome=body.outcome,
            reason=body.reason,
            court_reference=body.court_reference,
            decided_at=body.decided_at,
            now=utcnow(),
            outbox=outbox,
        )

    return await _post(ctx, op, anchor="#court")
