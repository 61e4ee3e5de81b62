"""The statutory calendar's API and admin page: anyone may read a year; only the platform operator
changes one, since every agency's deadlines follow it."""

from __future__ import annotations

from datetime import date

from aiohttp import web
from pydantic import Field

from hub.errors import Forbidden, HubError
from hub.orm import utcnow
from hub.permissions import Permission
from hub.routing import Ctx, Routes
from hub.schemas import Input, Output
from hub.templating import render
from hub.workdays import service
from hub.workdays.calendar import Override
from hub.workdays.keys import CALENDAR

routes = Routes()
TAGS = ("calendar",)


class DayIn(Input):
    day: date
    working: bool
    name: str = Field(default="", max_length=40)


class YearIn(Input):
    days: list[DayIn] = Field(max_length=366)
    source: str = Field(default="", max_length=200, description="The notice the days come from")


class DayOut(Output):
    day: date
    working: bool
    name: str
    origin: str = Field(description="package (chinese-calendar) or administrator")


class YearOut(Output):
    year: int
    known: bool = Field(description="false: only weekends are known to rest; enter the year's notice")
    source: str
    days: list[DayOut]


def _operator_only(ctx: Ctx) -> None:
    if not ctx.user.is_superuser:
        raise Forbidden()


@routes.api(
    "GET",
    "/api/v1/calendar/{year}",
    perm=Permission.use_hub,
    summary="The year's holidays and working weekend days",
    tags=TAGS,
    response=YearOut,
)
async def get_year(ctx: Ctx) -> YearOut:
    async with ctx.db.read() as s:
        view = await service.year_view(s, ctx.match_int("year"))
    return YearOut.model_validate(view)


@routes.api(
    "PUT",
    "/api/v1/calendar/{year}",
    perm=Permission.manage_calendar,
    summary="Enter or correct a year's holidays and working weekend days (platform operator)",
    tags=TAGS,
    body=YearIn,
    response=YearOut,
)
async def put_year(ctx: Ctx, body: YearIn) -> YearOut:
    _operator_only(ctx)
    year = service.check_year(ctx.match_int("year"))
    days = [Override(d.day, d.working, d.name) for d in body.days]
    async with ctx.db.write() as s:
        await service.set_year(s, ctx.user.actor, year, days, body.source, utcnow())
    ctx.request.app[CALENDAR].invalidate()
    async with ctx.db.read() as s:
        return YearOut.model_validate(await service.year_view(s, year))


def _year_asked(ctx: Ctx) -> int:
    raw = ctx.request.query.get("year", "")
    today = utcnow().astimezone(ctx.config.zone).date()
    if raw.isascii() and raw.isdigit() and len(raw) == 4:
        return int(raw)
    return today.year + 1 if today.month == 12 else today.year


async def _page(ctx: Ctx, year: int, status: int = 200, **extra: object) -> web.Response:
    async with ctx.db.read() as s:
        view = await service.year_view(s, year)
    lines = "\n".join(
        f"{d.day.isoformat()} {'班' if d.working else '休'} {d.name}".rstrip()
        for d in view.days
        if d.origin == "administrator"
    )
    return render(
        ctx,
        "admin/calendar.html",
        status=status,
        view=view,
        lines=lines,
        can_edit=ctx.user.is_superuser,
        **{"error": None, "saved": False, **extra},
    )


@routes.page("GET", "/admin/calendar", perm=Permission.use_hub, name="admin_calendar")
async def calendar_page(ctx: Ctx) -> web.Response:
    return await _page(ctx, service.check_year(_year_asked(ctx)), saved=ctx.request.query.get("saved") == "1")


@routes.page("POST", "/admin/calendar", perm=Permission.manage_calendar)
async def calendar_submit(ctx: Ctx) -> web.Response:
    _operator_only(ctx)
    form = await ctx.request.post()
    raw_year = str(form.get("year", ""))
    year = service.check_year(int(raw_year) if raw_year.isascii() and raw_year.isdigit() else 0)
    text = str(form.get("days", ""))
    try:
        days = service.parse_lines(text, year)
        async with ctx.db.write() as s:
            await service.set_year(s, ctx.user.actor, year, days, str(form.get("source", "")), utcnow())
    except HubError as error:
        return await _page(ctx, year, status=error.status, error=error.text(), typed=text)
    ctx.request.app[CALENDAR].invalidate()
    raise web.HTTPSeeOther(f"/admin/calendar?year={year}&saved=1")
