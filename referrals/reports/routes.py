"""The reporting calendar's settings: the page where the bureau sets the daily hour, the weekly and
monthly cycles, the 专报 time limit and its sensitive periods, and the same as JSON.

Only the platform's operators and the administrators or supervisors of a top-level agency (the
district's bureaus) change them: they apply to every agency that reports.
"""

from __future__ import annotations

from aiohttp import web

from hub.errors import Forbidden, HubError
from hub.forms import Form
from hub.i18n import N_
from hub.models import Agency
from hub.orm import utcnow
from hub.routing import Ctx, Routes, validate
from hub.templating import render
from referrals.permissions import CasePermission
from referrals.reports import cycles
from referrals.reports.schemas import CalendarIn, CalendarOut, SensitiveIn, SensitiveOut
from referrals.reports.views import schedule_for

routes = Routes()
TAGS = ("reports",)


async def _check_bureau(ctx: Ctx) -> None:
    principal = ctx.user
    if principal.is_superuser:
        return
    async with ctx.db.read() as s:
        agency = await s.get(Agency, principal.agency_id) if principal.agency_id is not None else None
    if agency is None or agency.parent_id is not None:
        raise Forbidden(
            N_("The reporting calendar is set for the whole district, by the top-level agencies.")
        )


async def calendar_out(ctx: Ctx) -> CalendarOut:
    schedule = await schedule_for(ctx)
    async with ctx.db.read() as s:
        periods = await cycles.sensitive_periods(s)
    return CalendarOut(
        daily_hour=schedule.daily_hour,
        weekly_weekday=schedule.weekly_weekday,
        weekly_hour=schedule.weekly_hour,
        monthly_day=schedule.monthly_day,
        monthly_hour=schedule.monthly_hour,
        special_hours=schedule.special_hours,
        sensitive=[
            SensitiveOut(id=p.id, name=p.name, first=p.first, last=p.last, hour=p.hour) for p in periods
        ],
    )


async def _save(ctx: Ctx, body: CalendarIn) -> None:
    await _check_bureau(ctx)
    async with ctx.write() as (s, _outbox):
        await cycles.save_settings(s, ctx.user.actor, cycles.SettingsInput(**body.model_dump()), utcnow())


async def _add(ctx: Ctx, body: SensitiveIn) -> int:
    await _check_bureau(ctx)
    async with ctx.write() as (s, _outbox):
        period = await cycles.add_sensitive(
            s, ctx.user.actor, body.first, body.last, body.hour, body.name, utcnow()
        )
        return period.id


@routes.api(
    "GET",
    "/api/v1/reports/calendar",
    perm=CasePermission.file_reports,
    summary="The reporting calendar: hours, weekly and monthly cycles, 专报 time limit, sensitive periods",
    response=CalendarOut,
    tags=TAGS,
)
async def calendar_api(ctx: Ctx) -> CalendarOut:
    return await calendar_out(ctx)


@routes.api(
    "PUT",
    "/api/v1/reports/calendar",
    perm=CasePermission.manage_assessment,
    summary="Set the reporting hours and cycles (the district's bureaus)",
    body=CalendarIn,
    response=CalendarOut,
    tags=TAGS,
)
async def calendar_put(ctx: Ctx, body: CalendarIn) -> CalendarOut:
    await _save(ctx, body)
    return await calendar_out(ctx)


@routes.api(
    "POST",
    "/api/v1/reports/calendar/sensitive",
    perm=CasePermission.manage_assessment,
    summary="Switch a sensitive period on: daily reports every day of it, at its hour",
    body=SensitiveIn,
    response=CalendarOut,
    status=201,
    tags=TAGS,
)
async def sensitive_post(ctx: Ctx, body: SensitiveIn) -> CalendarOut:
    await _add(ctx, body)
    return await calendar_out(ctx)


@routes.api(
    "DELETE",
    "/api/v1/reports/calendar/sensitive/{id}",
    perm=CasePermission.manage_assessment,
    summary="Switch a sensitive period off",
    response=CalendarOut,
    tags=TAGS,
)
async def sensitive_delete(ctx: Ctx) -> CalendarOut:
    await _check_bureau(ctx)
    async with ctx.write() as (s, _outbox):
        await cycles.remove_sensitive(s, ctx.user.actor, ctx.match_int("id"))
    return await calendar_out(ctx)


async def _page(ctx: Ctx, status: int = 200, error: str | None = None) -> web.Response:
    out = await calendar_out(ctx)
    return render(ctx, "referrals/report_calendar.html", status=status, out=out, error=error)


@routes.page("GET", "/reports/calendar", perm=CasePermission.manage_assessment, name="report_calendar")
async def calendar_page(ctx: Ctx) -> web.Response:
    return await _page(ctx)


def _optional(value: str) -> int | None:
    return int(value) if value.strip() else None


@routes.page("POST", "/reports/calendar", perm=CasePermission.manage_assessment)
async def calendar_form(ctx: Ctx) -> web.Response:
    form = await Form.read(ctx.request)
    try:
        if form.raw("action") == "sensitive":
            await _add(
                ctx, validate(SensitiveIn, {k: form.raw(k) for k in ("name", "first", "last", "hour")})
            )
        elif form.raw("action") == "remove":
            await _check_bureau(ctx)
            async with ctx.write() as (s, _outbox):
                await cycles.remove_sensitive(s, ctx.user.actor, form.number("id") or 0)
        else:
            data: dict[str, str | int | None] = {
                k: form.raw(k) for k in ("daily_hour", "weekly_hour", "monthly_hour", "special_hours")
            }
            data |= {k: _optional(form.raw(k)) for k in ("weekly_weekday", "monthly_day")}
            await _save(ctx, validate(CalendarIn, data))
    except (HubError, ValueError) as exc:
        return await _page(
            ctx,
            status=getattr(exc, "status", 422),
            error=exc.text() if isinstance(exc, HubError) else str(exc),
        )
    raise web.HTTPSeeOther("/reports/calendar")
