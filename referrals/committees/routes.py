"""Mediation committees over HTTP: the JSON API (everyone who may see cases reads the list: the
papers print these names anyway; the district's administrators correct a name, seal, court or
number format and say which committee an agency mediates for) and the administrators' page
``/admin/committees`` that does the same with forms."""

from __future__ import annotations

from typing import Annotated

from aiohttp import web
from pydantic import Field, StringConstraints
from sqlalchemy import select

from hub.errors import HubError
from hub.forms import Form
from hub.models import Agency, AgencyKind
from hub.routing import Ctx, Routes, validate
from hub.schemas import Input, Output
from hub.templating import render
from referrals import committees
from referrals.models import MediationCommittee
from referrals.permissions import CasePermission, check_district_admin

routes = Routes()
TAGS = ("committees",)
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=120)]


class CommitteeOut(Output):
    id: int
    name: str
    seal_line: str = Field(description="What the papers print beside the seal")
    seal_text: str
    court_agency_id: int | None
    number_prefix: str
    number_format: str = Field(description="e.g. 〔{year}〕{prefix}第{seq}号")
    active: bool
    agency_ids: list[int] = Field(description="The agencies that mediate for it (rooms, offices...)")


class CommitteeList(Output):
    items: list[CommitteeOut]


class CommitteePatch(Input):
    name: Name | None = None
    seal_text: Annotated[str, StringConstraints(strip_whitespace=True, max_length=120)] | None = None
    court_agency_id: int | None = None
    number_prefix: Annotated[str, StringConstraints(strip_whitespace=True, max_length=32)] | None = None
    number_format: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=5, max_length=64)] | None
    ) = None
    active: bool | None = None


class AssignIn(Input):
    committee_id: int | None = Field(description="None: the agency names itself on its papers")


async def _out(ctx: Ctx, committee: MediationCommittee) -> CommitteeOut:
    async with ctx.db.read() as s:
        members = await committees.members(s, committee.id)
    return CommitteeOut(
        id=committee.id,
        name=committee.name,
        seal_line=committees.seal_line(committee.seal_text or committee.name),
        seal_text=committee.seal_text,
        court_agency_id=committee.court_agency_id,
        number_prefix=committee.number_prefix,
        number_format=committee.number_format,
        active=committee.active,
        agency_ids=[a.id for a in members],
    )


@routes.api(
    "GET",
    "/api/v1/committees",
    perm=CasePermission.view_cases,
    summary="The people's mediation committees and the agencies that mediate for each",
    response=CommitteeList,
    tags=TAGS,
)
async def list_committees(ctx: Ctx) -> CommitteeList:
    async with ctx.db.read() as s:
        rows = (await s.scalars(select(MediationCommittee).order_by(MediationCommittee.id))).all()
    return CommitteeList(items=[await _out(ctx, c) for c in rows])


@routes.api(
    "PATCH",
    "/api/v1/committees/{id}",
    perm=CasePermission.manage_rules,
    summary="Correct a committee's name, seal text, basic court or document-number format (district admins)",
    body=CommitteePatch,
    response=CommitteeOut,
    tags=TAGS,
)
async def patch_committee(ctx: Ctx, body: CommitteePatch) -> CommitteeOut:
    async with ctx.write() as (s, _outbox):
        await check_district_admin(s, ctx.user)
        committee = await committees.update(
            s, ctx.user.actor, ctx.match_int("id"), body.model_dump(exclude_unset=True)
        )
    return await _out(ctx, committee)


@routes.api(
    "PUT",
    "/api/v1/agencies/{id}/committee",
    perm=CasePermission.manage_rules,
    summary="Say which committee an agency mediates for (district admins)",
    body=AssignIn,
    response=AssignIn,
    tags=TAGS,
)
async def assign_committee(ctx: Ctx, body: AssignIn) -> AssignIn:
    async with ctx.write() as (s, _outbox):
        await check_district_admin(s, ctx.user)
        await committees.assign(s, ctx.user.actor, ctx.match_int("id"), body.committee_id)
    return body


# --- the administrators' page ---------------------------------------------------------------------


async def committees_view(ctx: Ctx, *, status: int = 200, error: str | None = None) -> web.Response:
    async with ctx.db.read() as s:
        await check_district_admin(s, ctx.user)
        rows = (await s.scalars(select(MediationCommittee).order_by(MediationCommittee.id))).all()
        courts = (
            await s.scalars(select(Agency).where(Agency.kind == AgencyKind.court).order_by(Agency.id))
        ).all()
        members = {c.id: await committees.members(s, c.id) for c in rows}
    return render(
        ctx,
        "referrals/committees.html",
        status=status,
        committees=rows,
        members=members,
        courts=courts,
        seal_lines={c.id: committees.seal_line(c.seal_text or c.name) for c in rows},
        error=error,
    )


@routes.page("GET", "/admin/committees", perm=CasePermission.manage_rules, name="committees")
async def committees_page(ctx: Ctx) -> web.Response:
    return await committees_view(ctx)


@routes.page("POST", "/admin/committees/{id}", perm=CasePermission.manage_rules)
async def committee_form(ctx: Ctx) -> web.Response:
    form = await Form.read(ctx.request)
    try:
        body = validate(
            CommitteePatch,
            {
                "name": form.text("name"),
                "seal_text": form.text("seal_text"),
                "court_agency_id": form.raw("court_agency_id") or None,
                "number_prefix": form.text("number_prefix"),
                "number_format": form.text("number_format"),
                "active": form.checked("active"),
            },
        )
        async with ctx.write() as (s, _outbox):
            await check_district_admin(s, ctx.user)
            await committees.update(s, ctx.user.actor, ctx.match_int("id"), body.model_dump())
    except HubError as exc:
        if exc.status in (403, 404):
            raise
        return await committees_view(ctx, status=exc.status, error=exc.text())
    raise web.HTTPSeeOther(f"/admin/committees#committee-{ctx.match_int('id')}")
