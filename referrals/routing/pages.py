"""Admin pages for routing rules (with a dry run) and deadline policies."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from aiohttp import web

from hub import directory
from hub.errors import HubError, ValidationFailed
from hub.forms import Form
from hub.i18n import N_
from hub.input_limits import small_int
from hub.models import AgencyKind
from hub.orm import utcnow
from hub.routing import Ctx, Routes
from hub.templating import render
from referrals.agencies import RECEIVING_KINDS
from referrals.codes import Category, Flag
from referrals.models import RoutingRule
from referrals.permissions import CasePermission, check_district_admin
from referrals.routing import admin
from referrals.routing.rules import TARGET_AGENCY, TARGET_STATIONED_ROOM

routes = Routes()
POLICY_FIELDS = (
    "accept_hours",
    "mediation_days",
    "mediation_max_days",
    "confirmation_days",
    "followup_days",
    "soon_hours",
)


def _int(value: str, *, optional: bool = True) -> int | None:
    value = value.strip()
    if not value and optional:
        return None
    try:
        return int(value)
    except ValueError:
        raise ValidationFailed(N_("Enter a whole number.")) from None


def _decimal(value: str) -> Decimal | None:
    value = value.strip()
    if not value:
        return None
    try:
        return Decimal(value)
    except InvalidOperation:
        raise ValidationFailed(N_("Enter an amount such as 5000 or 5000.50.")) from None


def parse_rule(form: Form) -> admin.RuleInput:
    name = form.text("name")
    if not name:
        raise ValidationFailed(N_("Give the rule a name."))
    target_kind = form.raw("target_kind", TARGET_AGENCY)
    if target_kind not in (TARGET_AGENCY, TARGET_STATIONED_ROOM):
        raise ValidationFailed(N_("Choose a target."))
    categories = tuple(c for c in form.getall("categories") if c in Category.__members__)
    flags = tuple(f for f in form.getall("flags_all") if f in Flag.__members__)
    areas = tuple(n for a in form.getall("area_ids") if (n := small_int(a)) is not None)
    return admin.RuleInput(
        name=name[:120],
        priority=_int(form.raw("priority", "100"), optional=False) or 0,
        target_kind=target_kind,
        target_agency_id=_int(form.raw("target_agency_id")) if target_kind == TARGET_AGENCY else None,
        categories=categories,
        area_ids=areas,
        amount_min=_decimal(form.raw("amount_min")),
        amount_max=_decimal(form.raw("amount_max")),
        parties_min=_int(form.raw("parties_min")),
        parties_max=_int(form.raw("parties_max")),
        flags_all=flags,
        is_fallback=form.checked("is_fallback"),
        active=form.checked("active"),
    )


async def _page(
    ctx: Ctx, *, status: int = 200, editing: RoutingRule | None = None, **extra: object
) -> web.Response:
    async with ctx.db.read() as s:
        rows = await admin.all_rules(s)
        agencies = [a for a in await directory.list_agencies(s) if a.kind in RECEIVING_KINDS and a.active]
        areas = [a for a in await directory.list_areas(s) if a.level in ("town", "village")]
        policies = await admin.policies(s)
    names = {a.id: a.name for a in agencies}
    area_names = {a.id: a.name for a in areas}
    context: dict[str, object] = {"error": None, "changes": None, "form": None, **extra}
    return render(
        ctx,
        "referrals/rules.html",
        status=status,
        rules=rows,
        agencies=agencies,
        names=names,
        areas=areas,
        area_names=area_names,
        categories=list(Category),
        flags=list(Flag),
        editing=editing,
        kinds=[k for k in AgencyKind if k in RECEIVING_KINDS],
        policies=policies,
        policy_fields=POLICY_FIELDS,
        **context,
    )


@routes.page("GET", "/admin/rules", perm=CasePermission.manage_rules, name="routing_rules")
async def rules_page(ctx: Ctx) -> web.Response:
    editing = None
    async with ctx.db.read() as s:
        await check_district_admin(s, ctx.user)
        if (rule_id := small_int(ctx.request.query.get("edit", ""))) is not None:
            editing = await admin.get_rule(s, rule_id)
    return await _page(ctx, editing=editing)


@routes.page("POST", "/admin/rules", perm=CasePermission.manage_rules)
async def rules_submit(ctx: Ctx) -> web.Response:
    form = await Form.read(ctx.request)
    rule_id = _int(form.raw("rule_id"))
    async with ctx.db.read() as s:
        await check_district_admin(s, ctx.user)
    try:
        change = parse_rule(form)
        if form.raw("intent") == "dry_run":
            async with ctx.db.read() as s:
                changes = await admin.dry_run(s, rule_id, change, utcnow())
            return await _page(ctx, changes=changes, form=change, rule_id=rule_id)
        async with ctx.write() as (s, _):
            await admin.save(s, ctx.user.actor, rule_id, change, utcnow())
    except HubError as exc:
        message = exc.text()
        return await _page(ctx, status=exc.status, error=message)
    raise web.HTTPSeeOther("/admin/rules")


@routes.page("POST", "/admin/deadlines", perm=CasePermission.manage_rules)
async def deadlines_submit(ctx: Ctx) -> web.Response:
    form = await Form.read(ctx.request)
    kind = form.raw("agency_kind")
    async with ctx.db.read() as s:
        await check_district_admin(s, ctx.user)
    try:
        if kind not in {k.value for k in RECEIVING_KINDS}:
            raise ValidationFailed(N_("Unknown agency kind."))
        values = {f: _int(form.raw(f), optional=False) or 0 for f in POLICY_FIELDS}
        async with ctx.write() as (s, _):
            await admin.save_policy(s, ctx.user.actor, kind, values)
    except HubError as exc:
        message = exc.text()
        return await _page(ctx, status=exc.status, error=message)
    raise web.HTTPSeeOther("/admin/rules#deadlines")
