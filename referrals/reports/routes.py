"""Reports and early warnings: pages and JSON API.

- ``/reports``: file today's report (zero in one click, or periodic), a special or a direct
  report; the reports one may read. ``/reports/missing``: who has not reported (supervisors).
- ``/warnings``: open early warnings in the supervisor's scope, acknowledged with a note.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from typing import Any
from urllib.parse import quote

from aiohttp import web
from sqlalchemy import ColumnElement, select

from hub.early_warnings import EarlyWarning, acknowledge, open_warnings
from hub.errors import HubError, NotFound
from hub.events import Outbox
from hub.i18n import gettext
from hub.models import Agency
from hub.orm import utcnow
from hub.routing import Ctx, Routes, parse_query, validate
from hub.schemas import Page
from hub.templating import render
from referrals.models import Case, Report
from referrals.permissions import CasePermission
from referrals.reports import (
    filing,
    sweep,  # noqa: F401 - names of warning kinds
)
from referrals.reports.schemas import (
    AcknowledgeIn,
    AgencyBrief,
    DayQuery,
    MissingOut,
    ReportIn,
    ReportOut,
    ReportQuery,
    WarningOut,
    WarningQuery,
)
from referrals.visibility import visible

routes = Routes()
TAGS = ("reports",)


# --- reports ----------------------------------------------------------------------------------


def report_out(row: filing.ReportRow) -> ReportOut:
    r = row.report
    return ReportOut(
        id=r.id,
        agency_id=r.agency_id,
        agency_name=row.agency_name,
        kind=r.kind,
        period=r.period,
        title=r.title,
        body=r.body,
        case_id=r.case_id,
        figures=dict(r.figures),
        submitted_by_id=r.submitted_by_id,
        submitted_by=row.submitted_by,
        submitted_at=r.submitted_at,
    )


async def file(ctx: Ctx, body: ReportIn) -> ReportOut:
    agency_id = body.agency_id or ctx.user.agency_id
    ctx.must.check_agency(agency_id)
    data = filing.ReportInput(
        kind=body.kind,
        agency_id=agency_id,
        period=body.period,
        title=body.title,
        body=body.body,
        case_id=body.case_id,
        figures=body.figures.model_dump() if body.figures else {},
    )
    outbox = Outbox()
    async with ctx.db.write() as s:
        report = await filing.file_report(
            s, ctx.user.actor, ctx.must.scope, data, now=utcnow(), zone=ctx.config.zone, outbox=outbox
        )
        name = await s.scalar(select(Agency.name).where(Agency.id == agency_id)) or ""
        out = report_out(filing.ReportRow(report, name, ctx.user.display_name))
    await outbox.send(ctx.events)
    return out


async def readable(ctx: Ctx) -> ColumnElement[bool]:
    async with ctx.db.read() as s:
        tops = await filing.top_agencies(s)
    return filing.readable(ctx.must.scope, filing.sees_direct_reports(ctx.user, tops))


async def get_report(ctx: Ctx, report_id: int) -> filing.ReportRow:
    where = await readable(ctx)
    async with ctx.db.read() as s:
        rows, _ = await filing.history(s, where & (Report.id == report_id), limit=1)
    if not rows:
        raise NotFound()
    return rows[0]


@routes.api(
    "POST",
    "/api/v1/reports",
    perm=CasePermission.file_reports,
    summary="File a report (zero, periodic, special or direct)",
    body=ReportIn,
    response=ReportOut,
    status=201,
    tags=TAGS,
)
async def create_report(ctx: Ctx, body: ReportIn) -> ReportOut:
    return await file(ctx, body)


@routes.api(
    "GET",
    "/api/v1/reports",
    perm=CasePermission.file_reports,
    summary="Reports of your agencies (and, for the district, every direct report)",
    query=ReportQuery,
    response=Page[ReportOut],
    tags=TAGS,
)
async def list_reports(ctx: Ctx, query: ReportQuery) -> Page[ReportOut]:
    where = await readable(ctx)
    async with ctx.db.read() as s:
        rows, total = await filing.history(
            s,
            where,
            kind=query.kind,
            agency_id=query.agency_id,
            since=query.since,
            until=query.until,
            limit=query.limit,
            offset=query.offset,
        )
    return Page[ReportOut](items=[report_out(r) for r in rows], total=total)


async def missing_for(ctx: Ctx, day: date | None) -> filing.Missing:
    now = utcnow()
    async with ctx.db.read() as s:
        return await filing.missing(
            s, ctx.must.scope.agency_ids, day or filing.local_day(now, ctx.config.zone), now, ctx.config.zone
        )


@routes.api(
    "GET",
    "/api/v1/reports/missing",
    perm=CasePermission.acknowledge_warnings,
    summary="Agencies in your scope that have not filed their daily report",
    query=DayQuery,
    response=MissingOut,
    tags=TAGS,
)
async def missing_api(ctx: Ctx, query: DayQuery) -> MissingOut:
    found = await missing_for(ctx, query.day)
    return MissingOut(
        day=found.day,
        due_at=found.due_at,
        past_due=found.past_due,
        expected=found.expected,
        missing=[AgencyBrief.model_validate(a) for a in found.agencies],
    )


@routes.api(
    "GET",
    "/api/v1/reports/{id}",
    perm=CasePermission.file_reports,
    summary="One report",
    response=ReportOut,
    tags=TAGS,
)
async def report_api(ctx: Ctx) -> ReportOut:
    return report_out(await get_report(ctx, ctx.match_int("id")))


def _safe_next(value: str) -> str:
    return value if value.startswith("/") and not value.startswith("//") else "/reports"


def report_form(form: dict[str, str]) -> ReportIn:
    data: dict[str, Any] = {k: v for k, v in form.items() if v.strip() and not k.startswith(("fig_", "next"))}
    if data.get("kind") == "periodic":
        data["figures"] = {k[4:]: v for k, v in form.items() if k.startswith("fig_") and v.strip()}
    return validate(ReportIn, data)


async def reports_page(ctx: Ctx, status: int = 200, **extra: Any) -> web.Response:
    now = utcnow()
    today = filing.local_day(now, ctx.config.zone)
    where = await readable(ctx)
    kind = ctx.request.query.get("kind") or None
    if kind not in filing.ReportKind.__members__:
        kind = None
    async with ctx.db.read() as s:
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
        due_at=filing.due_at(today, ctx.config.zone),
        past_due=filing.past_due(now, ctx.config.zone),
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
    raw = await ctx.request.post()
    form = {k: str(v) for k, v in raw.items() if k != "_csrf"}
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


# --- warnings ---------------------------------------------------------------------------------


def warning_text(w: EarlyWarning) -> str:
    message = gettext(w.title)
    try:
        return message % w.params if w.params else message
    except (KeyError, ValueError, TypeError):
        return message


def warning_out(w: EarlyWarning) -> WarningOut:
    return WarningOut.model_validate(
        {**{k: getattr(w, k) for k in WarningOut.model_fields if k != "text"}, "text": warning_text(w)}
    )


async def warnings_in_scope(ctx: Ctx, kind: str | None) -> tuple[list[EarlyWarning], Counter[str]]:
    async with ctx.db.read() as s:
        found = list(await open_warnings(s, ctx.must.scope.agency_ids, limit=1000))
    counts = Counter(w.kind for w in found)
    return [w for w in found if kind is None or w.kind == kind], counts


async def acknowledge_one(ctx: Ctx, warning_id: int, note: str) -> EarlyWarning:
    async with ctx.db.write() as s:
        warning = await s.get(EarlyWarning, warning_id)
        if warning is None:
            raise NotFound()
        ctx.must.check_agency(warning.agency_id)
        return await acknowledge(s, ctx.user.actor, warning_id, note)


@routes.api(
    "GET",
    "/api/v1/warnings",
    perm=CasePermission.acknowledge_warnings,
    summary="Open early warnings in your scope",
    query=WarningQuery,
    response=Page[WarningOut],
    tags=TAGS,
)
async def warnings_api(ctx: Ctx, query: WarningQuery) -> Page[WarningOut]:
    found, _ = await warnings_in_scope(ctx, query.kind or None)
    return Page[WarningOut](items=[warning_out(w) for w in found], total=len(found))


@routes.api(
    "POST",
    "/api/v1/warnings/{id}/acknowledge",
    perm=CasePermission.acknowledge_warnings,
    summary="Acknowledge an early warning, with a note",
    body=AcknowledgeIn,
    response=WarningOut,
    tags=TAGS,
)
async def acknowledge_api(ctx: Ctx, body: AcknowledgeIn) -> WarningOut:
    return warning_out(await acknowledge_one(ctx, ctx.match_int("id"), body.note))


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
    form = await ctx.request.post()
    body = validate(AcknowledgeIn, {"note": str(form.get("note", ""))})
    await acknowledge_one(ctx, ctx.match_int("id"), body.note)
    kind = str(form.get("kind", ""))
    raise web.HTTPSeeOther(f"/warnings?kind={quote(kind)}" if kind else "/warnings")
