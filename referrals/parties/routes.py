"""A party after intake, for the agencies working on the case: the API (``PATCH`` a party, ``POST``
its consent) and the party page (``/cases/{id}/parties/{pid}``) with its two forms. A refused form
shows again with what was typed and each problem at its field, in the reader's language."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from hub import flash
from hub.errors import HubError, NotFound
from hub.forms import Form
from hub.i18n import N_
from hub.models import User
from hub.orm import utcnow
from hub.routing import Ctx, Routes, validate
from hub.templating import render
from referrals.cases import forms, party_forms
from referrals.cases.schemas import PartyIn, PartyOut
from referrals.codes import AUTHORITY_NAMES, CONSENT_NAMES, ID_TYPES, PartyConsentMethod, PartyRole
from referrals.errors import ConsentInFuture
from referrals.models import Case, Party
from referrals.parties import consent, editing
from referrals.parties.schemas import PartyConsentIn, PartyPatch
from referrals.permissions import CasePermission
from referrals.visibility import get_visible_case, latest_referral

routes = Routes()
TAGS = ("referrals",)


async def _find(s: AsyncSession, ctx: Ctx) -> tuple[Case, Party]:
    """The case and its party the URL names, if the person works on the case."""
    case = await get_visible_case(s, ctx.must.scope, ctx.match_int("id"))
    party = await s.get(Party, ctx.match_int("pid"))
    if party is None or party.case_id != case.id:
        raise NotFound()
    editing.check_may_edit(ctx.must, case, await latest_referral(s, case.id))
    return case, party


# --- API ------------------------------------------------------------------------------------------


@routes.api(
    "PATCH",
    "/api/v1/cases/{id}/parties/{pid}",
    perm=CasePermission.edit_parties,
    summary="Change a party (checked whole, as at intake; the audit log keeps what changed)",
    body=PartyPatch,
    response=PartyOut,
    tags=TAGS,
)
async def patch_party(ctx: Ctx, body: PartyPatch) -> PartyOut:
    async with ctx.write() as (s, _outbox):
        case, party = await _find(s, ctx)
        checked = validate(PartyIn, editing.merged(party, body.model_dump(exclude_unset=True)))
        await editing.edit(s, ctx.user.actor, case, party, checked.to_input())
        out = PartyOut.model_validate(party)
    return out


@routes.api(
    "POST",
    "/api/v1/cases/{id}/parties/{pid}/consent",
    perm=CasePermission.edit_parties,
    summary="Record a party's consent to mediation or refusal (a refusal stops the case)",
    body=PartyConsentIn,
    response=PartyOut,
    tags=TAGS,
)
async def party_consent(ctx: Ctx, body: PartyConsentIn) -> PartyOut:
    async with ctx.write() as (s, outbox):
        case, party = await _find(s, ctx)
        await consent.record(
            s,
            ctx.user.actor,
            case,
            party,
            consent=body.consent,
            at=body.at,
            method=body.method.value,
            now=utcnow(),
            outbox=outbox,
        )
        out = PartyOut.model_validate(party)
    return out


# --- the party page -------------------------------------------------------------------------------


def _blank_consent() -> dict[str, str]:
    return {"consent": "", "at": "", "method": ""}


async def _page(
    ctx: Ctx,
    *,
    row: dict[str, str] | None = None,
    answer: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    error: str | None = None,
    status: int = 200,
) -> web.Response:
    async with ctx.db.read() as s:
        case, party = await _find(s, ctx)
        recorder = await s.get(User, party.consent_recorded_by_id) if party.consent_recorded_by_id else None
    return render(
        ctx,
        "referrals/party.html",
        status=status,
        case=case,
        party=party,
        p=row or party_forms.values_of(party),
        answer=answer or _blank_consent(),
        recorder=recorder.display_name if recorder is not None else "",
        errors=errors or {},
        error=error,
        roles=list(PartyRole),
        id_types=ID_TYPES,
        authority_names=AUTHORITY_NAMES,
        consent_names=CONSENT_NAMES,
        methods=list(PartyConsentMethod),
    )


@routes.page("GET", "/cases/{id}/parties/{pid}", perm=CasePermission.edit_parties, name="party")
async def party_page(ctx: Ctx) -> web.Response:
    return await _page(ctx)


@routes.page("POST", "/cases/{id}/parties/{pid}", perm=CasePermission.edit_parties)
async def party_form(ctx: Ctx) -> web.Response:
    rows = party_forms.rows(await Form.read(ctx.request))
    row = rows[0] if rows else party_forms.blank("applicant")
    errors: dict[str, str] = {}
    try:
        async with ctx.write() as (s, _outbox):
            case, party = await _find(s, ctx)
            body: dict[str, Any] = party_forms.body(row)
            # The form shows the first agent; any others (given through the API) stay.
            body["agents"] = body.get("agents", []) + editing.current(party)["agents"][1:]
            try:
                checked = PartyIn.model_validate(body)
            except ValidationError as exc:
                for e in exc.errors(include_url=False, include_input=False):
                    key = party_forms.field_key([str(p) for p in e["loc"]])
                    errors.setdefault(key, forms.problem(e))
                raise _Refused() from None
            await editing.edit(s, ctx.user.actor, case, party, checked.to_input())
            case_id = case.id
    except _Refused:
        return await _page(ctx, row=row, errors=errors, status=422)
    except HubError as exc:
        if exc.status in (403, 404):
            raise
        return await _page(ctx, row=row, error=exc.text(), status=exc.status)
    raise flash.redirect(ctx.request, f"/cases/{case_id}", N_("The party is saved."))


@routes.page("POST", "/cases/{id}/parties/{pid}/consent", perm=CasePermission.edit_parties)
async def consent_form(ctx: Ctx) -> web.Response:
    form = await Form.read(ctx.request)
    answer = {k: form.text(k) for k in ("consent", "at", "method")}
    errors: dict[str, str] = {}
    body: PartyConsentIn | None = None
    data: dict[str, str] = {k: v for k, v in answer.items() if v}
    try:
        if answer["at"]:
            data["at"] = forms.local_datetime(answer["at"], ctx.config.zone).isoformat()
        body = PartyConsentIn.model_validate(data)
    except ValidationError as exc:
        for e in exc.errors(include_url=False, include_input=False):
            errors.setdefault(f"consent_{e['loc'][0]}", forms.problem(e))
    except ValueError:  # a datetime-local the browser should not have sent
        errors["consent_at"] = forms.problem({"type": "datetime_parsing"})
    if body is None:
        return await _page(ctx, answer=answer, errors=errors, status=422)
    try:
        async with ctx.write() as (s, outbox):
            case, party = await _find(s, ctx)
            await consent.record(
                s,
                ctx.user.actor,
                case,
                party,
                consent=body.consent,
                at=body.at,
                method=body.method.value,
                now=utcnow(),
                outbox=outbox,
            )
            case_id = case.id
    except ConsentInFuture as exc:
        return await _page(ctx, answer=answer, errors={"consent_at": exc.text()}, status=exc.status)
    except HubError as exc:
        if exc.status in (403, 404):
            raise
        return await _page(ctx, answer=answer, error=exc.text(), status=exc.status)
    raise flash.redirect(ctx.request, f"/cases/{case_id}", N_("The party's answer is recorded."))


class _Refused(Exception):
    """The form's party did not pass its checks: roll the transaction back, show the form again."""
