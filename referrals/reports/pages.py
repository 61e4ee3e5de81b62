"""The pages of reports and early warnings.

- ``/reports``: file today's report (zero in one click, or periodic), a special or a direct
  report; the reports one may read. ``/reports/missing``: who has not reported (supervisors).
- ``/warnings``: open early warnings in the supervisor's scope, acknowledged with a note.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any
from urllib.parse import quote

from aiohttp import web
from sqlalchemy import select

from hub.errors import HubError
from hub.forms import Form
from hub.models import Agency
from hub.orm import utcnow
from hub.routing import Ctx, Routes, parse_query, validate
from hub.templating import render
from hub.workdays.keys import CALENDAR
from referrals.models import Case
from referrals.permissions import CasePermission
from referrals.reports import cycles, filing
from referrals.reports.schemas import (
    AcknowledgeIn,
    DayQuery,
    ReportIn,
    WarningQuery,
)
from referrals.reports.views import (
    acknowledge_one,
    file,
    get_report,
    missing_for,
    readable,
    warning_text,
    warnings_in_scope,
)
from referrals.visibility import visible

routes = Routes()


def _safe_next(value: str) -> str:
    return value if value.startswith("/") and not value.startswith("//") else "/reports"


def report_form(form: dict[str, str]) -> ReportIn:
    data: dict[str, Any] = {k: v for k, v in form.items() if v.strip() and not k.startswith(("fig_", "next"))}
    if data.get("kind") in ("periodic", *filing.CYCLES):
        data["figures"] = {k[4:]: v for k, v in form.items() if k.startswith("fig_") and v.strip()}
    return validate(ReportIn, data)


async def reports_page(ctx: Ctx, status: int = 200, **extra: Any) -> web.Response:
    now = utcnow()
    today = filing.local_day(now, ctx.config.zone)
    where = await readable(ctx)
    kind = ctx.request.query.get("kind") or None
    if kind not in filing.ReportKind.__members__:
        kind = None
    calendar = await ctx.request.app[CALENDAR].get(ctx.db)
    async with ctx.db.read() as s:
        plan = await cycles.load_schedule(s, calendar)  # the bureau's reporting calendar
        mine = await filing.daily_report(s, ctx.user.agency_id, today)
        rows, total = await filing.history(s, where, kind=kind, limit=100)
        cases = (
            await s.execute(
                select(Case.id, Case.number, Case.summary)
                .where(visible(ctx.must.scope), Case.created_at >= now - timedelta(days=90))
                .order_by(Case.id.desc())
                .limit(100)
            )
        ).all()
    return render(
        ctx,
        "referrals/reports.html",
        status=status,
        today=today,
        due_at=filing.due_at(today, ctx.config.zone, plan),
        past_due=filing.past_due(now, ctx.config.zone, plan),
        due_today=filing.is_due_day(today, plan),
        cycles=[
            k
            for k, on in (
                (filing.ReportKind.weekly, plan.weekly_weekday is not None),
                (filing.ReportKind.monthly, plan.monthly_day is not None),
            )
            if on
        ],
        mine=mine,
        rows=rows,
        total=total,
        kind=kind,
        kinds=list(filing.ReportKind),
        cases=cases,
        figures=filing.FIGURES,
        **{"error": None, "details": None, "form": {}, **extra},
    )


@routes.page("GET", "/reports", perm=CasePermission.file_reports, name="reports")
async def reports_get(ctx: Ctx) -> web.Response:
    return await reports_page(ctx)


@routes.page("POST", "/reports", perm=CasePermission.file_reports)
async def reports_post(ctx: Ctx) -> web.Response:
    form = (await Form.read(ctx.request)).fields()
    try:
        out = await file(ctx, report_form(form))
    except HubError as exc:
        message = exc.text()
        return await reports_page(ctx, status=exc.status, error=message, details=exc.details, form=form)
    target = _safe_next(form.get("next", ""))
    raise web.HTTPSeeOther(target if "next" in form else f"/reports/{out.id}")


@routes.page("GET", "/reports/missing", perm=CasePermission.acknowledge_warnings, name="reports_missing")
async def missing_page(ctx: Ctx) -> web.Response:
    query = parse_query(ctx.request, DayQuery)
    found = await missing_for(ctx, query.day)
    by_kind = Counter(a.kind for a in found.agencies)
    return render(
        ctx,
        "referrals/reports_missing.html",
        found=found,
        by_kind=sorted(by_kind.items()),
        previous=found.day - timedelta(days=1),
        following=found.day + timedelta(days=1),
    )


@routes.page("GET", "/reports/{id}", perm=CasePermission.file_reports, name="report")
async def report_page(ctx: Ctx) -> web.Response:
    row = await get_report(ctx, ctx.match_int("id"))
    async with ctx.db.read() as s:
        case = await s.get(Case, row.report.case_id) if row.report.case_id else None
    return render(
        ctx, "referrals/report.html", row=row, r=row.report, case=case, figures=filing.figures_of(row.report)
    )


@routes.page("GET", "/warnings", perm=CasePermission.acknowledge_warnings, name="warnings")
async def warnings_page(ctx: Ctx) -> web.Response:
    query = parse_query(ctx.request, WarningQuery)
    found, counts = await warnings_in_scope(ctx, query.kind or None)
    ids = {w.agency_id for w in found if w.agency_id is not None}
    async with ctx.db.read() as s:
        names = dict((await s.execute(select(Agency.id, Agency.name).where(Agency.id.in_(ids)))).all())
    return render(
        ctx,
        "referrals/warnings.html",
        items=[(w, warning_text(w)) for w in found],
        names=names,
        counts=sorted(counts.items()),
        total=sum(counts.values()),
        kind=query.kind or None,
    )


@routes.page("POST", "/warnings/{id}/acknowledge", perm=CasePermission.acknowledge_warnings)
async def acknowledge_page(ctx: Ctx) -> web.Response:
    form = await Form.read(ctx.request)
    body = validate(AcknowledgeIn, {"note": form.raw("note")})
    await acknowledge_one(ctx, ctx.match_int("id"), body.note)
    kind = form.raw("kind")
    raise web.HTTPSeeOther(f"/warnings?kind={quote(kind)}" if kind else "/warnings")
