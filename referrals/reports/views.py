"""What the reports' API and pages share: filing a report, the reports a viewer may read, who has
not reported, the warnings in a supervisor's scope, and their JSON shapes."""

from __future__ import annotations

from collections import Counter
from datetime import date

from sqlalchemy import ColumnElement, select

from hub.early_warnings import EarlyWarning, acknowledge, open_warnings
from hub.errors import NotFound
from hub.i18n import gettext
from hub.labels import labelled
from hub.models import Agency
from hub.orm import utcnow
from hub.routing import Ctx
from hub.workdays.keys import CALENDAR
from referrals.models import Report
from referrals.reports import filing
from referrals.reports.cycles import load_schedule
from referrals.reports.schedule import Schedule
from referrals.reports.schemas import (
    ReportIn,
    ReportOut,
    WarningOut,
)


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
    async with ctx.write() as (s, outbox):
        report = await filing.file_report(
            s, ctx.user.actor, ctx.must.scope, data, now=utcnow(), zone=ctx.config.zone, outbox=outbox
        )
        name = await s.scalar(select(Agency.name).where(Agency.id == agency_id)) or ""
        out = report_out(filing.ReportRow(report, name, ctx.user.display_name))
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


async def schedule_for(ctx: Ctx) -> Schedule:
    """The reporting calendar now: the bureau's settings over the app's statutory calendar."""
    calendar = await ctx.request.app[CALENDAR].get(ctx.db)
    async with ctx.db.read() as s:
        return await load_schedule(s, calendar)


async def missing_for(ctx: Ctx, day: date | None) -> filing.Missing:
    now = utcnow()
    schedule = await schedule_for(ctx)
    async with ctx.db.read() as s:
        return await filing.missing(
            s,
            ctx.must.scope.agency_ids,
            day or filing.local_day(now, ctx.config.zone),
            now,
            ctx.config.zone,
            schedule,
        )


def warning_text(w: EarlyWarning) -> str:
    message = gettext(w.title)
    try:
        return message % labelled(w.params) if w.params else message
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
    async with ctx.write() as (s, _):
        warning = await s.get(EarlyWarning, warning_id)
        if warning is None:
            raise NotFound()
        ctx.must.check_agency(warning.agency_id)
        return await acknowledge(s, ctx.user.actor, warning_id, note)
