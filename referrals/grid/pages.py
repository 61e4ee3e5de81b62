"""A grid worker's pages, made for a phone (390 px wide, a slow connection: small pages, one tiny
script for the location):

- ``/grid/new``: report a dispute or a hidden risk with photos (``/cases/new`` leads here for a
  grid worker);
- ``/grid``: the cases and risks of one's grids, urgent open ones first; ``/grid/items/{id}``: one
  of them followed step by step (another grid's is not found);
- ``/grid/daily``: the committee's daily report, a zero report in one press.
"""

from __future__ import annotations

import uuid
from typing import Any

from aiohttp import web

from hub.errors import HubError
from hub.forms import Form
from hub.orm import utcnow
from hub.routing import Ctx, Routes
from hub.templating import render
from referrals.codes import Category, GridKind, Urgency
from referrals.errors import DuplicateSubmission, NoGrid
from referrals.evidence.records import store_for
from referrals.evidence.schemas import EvidenceMeta
from referrals.grid import forms, grids, reporting, upload
from referrals.permissions import CasePermission
from referrals.reports import filing

routes = Routes()
PHOTO_NOTE = "网格员上报现场照片"  # the evidence's description: data, in the district's language
# What a grid worker is most often asked to report; the rest of the categories follow.
FIRST_CATEGORIES = (
    "neighbour",
    "family",
    "land_acquisition",
    "labour",
    "property_management",
    "environmental",
)


def _categories() -> list[str]:
    return [*FIRST_CATEGORIES, *(c.value for c in Category if c.value not in FIRST_CATEGORIES)]


async def _my_grids(ctx: Ctx) -> list[tuple[int, str]]:
    async with ctx.db.read() as s:
        return [(a.id, a.name) for a in await grids.grids_of(s, ctx.user.user_id)]


async def _form(
    ctx: Ctx,
    values: dict[str, str],
    *,
    status: int = 200,
    errors: dict[str, str] | None = None,
    error: str = "",
) -> web.Response:
    mine = await _my_grids(ctx)
    return render(
        ctx,
        "referrals/grid_new.html",
        status=status,
        form=values,
        errors=errors or {},
        error=error,
        grids=mine,
        kinds=list(GridKind),
        urgencies=list(Urgency),
        categories=_categories(),
        flags=forms.FLAGS,
        rows=range(forms.PARTY_ROWS),
        max_photos=upload.MAX_PHOTOS,
    )


@routes.page("GET", "/grid/new", perm=CasePermission.report_from_grid, name="grid_new")
async def new_page(ctx: Ctx) -> web.Response:
    mine = await _my_grids(ctx)
    if not mine:
        raise NoGrid()
    return await _form(ctx, forms.blank(uuid.uuid4().hex, mine[0][0]))


@routes.page("POST", "/grid/new", perm=CasePermission.report_from_grid)
async def new_submit(ctx: Ctx) -> web.Response:
    mine = await _my_grids(ctx)
    store = store_for(ctx.config)
    values = forms.blank(uuid.uuid4().hex, None)
    try:
        async with upload.receive(ctx.request, store) as sent:
            checked = forms.read(sent.fields, {g for g, _ in mine})
            values = checked.values
            if checked.data is None:
                return await _form(ctx, checked.values, status=422, errors=checked.errors)
            data = checked.data
            meta = EvidenceMeta(
                description=PHOTO_NOTE,
                captured_at=utcnow(),
                captured_by=ctx.user.display_name,
                captured_place=data.address,
            )
            photos = await sent.keep(meta)
        async with ctx.write() as (s, outbox):
            done = await reporting.report(
                s,
                ctx.user.actor,
                data,
                photos,
                now=utcnow(),
                outbox=outbox,
                base_url=ctx.base_url,
                zone=ctx.config.time_zone,
            )
            case_id = done.case.id
    except DuplicateSubmission as exc:
        raise web.HTTPSeeOther(f"/grid/items/{exc.details[0]['message']}") from None
    except HubError as exc:
        if exc.status in (403, 404):
            raise
        return await _form(ctx, values, status=exc.status, error=exc.text())
    raise web.HTTPSeeOther(f"/grid/items/{case_id}?new=1")


@routes.page("GET", "/grid", perm=CasePermission.report_from_grid, name="grid")
async def grid_page(ctx: Ctx) -> web.Response:
    async with ctx.db.read() as s:
        mine = await grids.grids_of(s, ctx.user.user_id)
        found = await grids.items(s, [g.id for g in mine])
    return render(ctx, "referrals/grid_list.html", grids=mine, items=found)


@routes.page("GET", "/grid/items/{id}", perm=CasePermission.report_from_grid, name="grid_item")
async def item_page(ctx: Ctx) -> web.Response:
    async with ctx.db.read() as s:
        mine = await grids.grids_of(s, ctx.user.user_id)
        found = await grids.item(s, [g.id for g in mine], ctx.match_int("id"))
        steps = await grids.steps(s, found.case.id)
        photos = await grids.photo_count(s, found.case.id)
    return render(
        ctx,
        "referrals/grid_item.html",
        i=found,
        steps=steps,
        photos=photos,
        new=ctx.request.query.get("new") == "1",
    )


async def _daily(
    ctx: Ctx, *, status: int = 200, error: str = "", form: dict[str, Any] | None = None
) -> web.Response:
    now = utcnow()
    zone = ctx.config.zone
    today = filing.local_day(now, zone)
    async with ctx.db.read() as s:
        mine = await filing.daily_report(s, ctx.user.agency_id, today)
    return render(
        ctx,
        "referrals/grid_daily.html",
        status=status,
        today=today,
        due_at=filing.due_at(today, zone),
        past_due=filing.past_due(now, zone),
        mine=mine,
        figures=filing.FIGURES,
        error=error,
        form=form or {},
    )


@routes.page("GET", "/grid/daily", perm=CasePermission.report_from_grid, name="grid_daily")
async def daily_page(ctx: Ctx) -> web.Response:
    return await _daily(ctx)


@routes.page("POST", "/grid/daily", perm=CasePermission.report_from_grid)
async def daily_submit(ctx: Ctx) -> web.Response:
    """The committee's daily report, filed by its grid worker: zero, or figures and a few lines."""
    form = await Form.read(ctx.request)
    kind = filing.ReportKind.zero if form.text("kind") == "zero" else filing.ReportKind.periodic
    figures = {name: max(0, form.number(f"fig_{name}") or 0) for name in filing.FIGURES}
    data = filing.ReportInput(
        kind=kind, agency_id=ctx.user.agency_id, body=form.text("body"), figures=figures
    )
    try:
        async with ctx.write() as (s, outbox):
            await filing.file_report(
                s, ctx.user.actor, ctx.must.scope, data, now=utcnow(), zone=ctx.config.zone, outbox=outbox
            )
    except HubError as exc:
        if exc.status in (403, 404):
            raise
        return await _daily(ctx, status=exc.status, error=exc.text(), form=form.fields())
    raise web.HTTPSeeOther("/grid/daily")
