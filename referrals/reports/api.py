"""JSON API of reports (zero, periodic, special, direct; who has not reported) and early warnings."""

from __future__ import annotations

from hub.routing import Ctx, Routes
from hub.schemas import Page
from referrals.permissions import CasePermission
from referrals.reports import filing
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
from referrals.reports.views import (
    acknowledge_one,
    file,
    get_report,
    missing_for,
    readable,
    report_out,
    warning_out,
    warnings_in_scope,
)

routes = Routes()
TAGS = ("reports",)


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
