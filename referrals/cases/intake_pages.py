"""The intake form (/cases/new): a police liaison takes a case in, then lands on the case page.

Each rendering of the form carries a fresh idempotency key, so pressing "Save" twice (or going
back and submitting again) creates one case and leads to it.
"""

from __future__ import annotations

import uuid
from typing import Any

from aiohttp import web
from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError

from hub import directory
from hub.errors import HubError
from hub.events import Outbox
from hub.orm import utcnow
from hub.routing import Ctx, Routes
from hub.templating import render
from referrals.cases import forms, views
from referrals.cases.intake import submitted, take_in
from referrals.cases.schemas import CaseIn
from referrals.codes import Category, Channel, ConsentMethod, Flag, PartyRole
from referrals.errors import DuplicateSubmission
from referrals.permissions import CasePermission

routes = Routes()


async def _form(
    ctx: Ctx,
    values: dict[str, Any],
    *,
    status: int = 200,
    errors: dict[str, str] | None = None,
    error: str | None = None,
) -> web.Response:
    async with ctx.db.read() as s:
        areas = [(a.id, views.indented(a.level, a.name)) for a in await directory.list_areas(s)]
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
    )


def form_dict(form: Any) -> dict[str, list[str]]:
    """aiohttp's form multidict as plain lists of strings (files, if any, are ignored)."""
    return {k: [v for v in form.getall(k) if isinstance(v, str)] for k in set(form.keys())}


@routes.page("GET", "/cases/new", perm=CasePermission.take_in, name="case_new")
async def intake_page(ctx: Ctx) -> web.Response:
    return await _form(ctx, forms.blank_intake(uuid.uuid4().hex))


@routes.page("POST", "/cases/new", perm=CasePermission.take_in)
async def intake_submit(ctx: Ctx) -> web.Response:
    values = forms.intake_values(form_dict(await ctx.request.post()))
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
    outbox = Outbox()
    try:
        async with ctx.db.write() as s:
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
    except HubError as exc:
        return await _form(ctx, values, status=exc.status, error=exc.text())
    await outbox.send(ctx.events)
    raise web.HTTPSeeOther(f"/cases/{case_id}")


async def _existing(ctx: Ctx, key: str) -> int | None:
    async with ctx.db.read() as s:
        case = await submitted(s, ctx.user.agency_id, key)
        return case.id if case is not None else None
